#!/usr/bin/python3
"""html_check.py - what a test needs to know about a page Chromium rendered, as JSON.

    html_check.py dom FILE   FILE is Chromium's --dump-dom: the elements by tag and by class,
                             attributes that run script or load something, the text content,
                             the tooltips (<title> inside <svg>) and whether the headings
                             descend one level at a time
    html_check.py png FILE   FILE is Chromium's --screenshot: its size and how much of it is
                             not the background colour (a blank page is all background)

Only the Python standard library (html.parser, zlib), so Debian's python3 runs it as is.
Not for: judging anything; the C test (test_report_html.c) asserts on the numbers.
"""
import json
import struct
import sys
import zlib
from html.parser import HTMLParser


class DomStats(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = {}
        self.classes = {}
        self.handlers = []  # on* attributes
        self.loads = []  # src, srcset, data, action, formaction; href not to a fragment
        self.text = []
        self.tooltips = []
        self.headings = []
        self.stack = []
        self.in_svg_title = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.handlers.append(name)
            if name == "class":
                for c in value.split():
                    self.classes[c] = self.classes.get(c, 0) + 1
            if name in ("src", "srcset", "data", "action", "formaction", "poster", "xlink:href"):
                self.loads.append(value)
            if name == "href" and not value.startswith("#"):
                self.loads.append(value)
        if tag == "title" and "svg" in self.stack:
            self.in_svg_title = True
            self.tooltips.append("")
        if tag not in ("meta", "br", "line", "rect", "circle", "polygon", "link", "img", "input"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_svg_title = False
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if "style" in self.stack[-1:]:
            return
        self.text.append(data)
        if self.in_svg_title:
            self.tooltips[-1] += data


def dom(path):
    parser = DomStats()
    with open(path, encoding="utf-8", errors="strict") as f:
        parser.feed(f.read())
    parser.close()
    ordered = all(b <= a + 1 for a, b in zip([0] + parser.headings, parser.headings))
    return {
        "tags": parser.tags,
        "classes": parser.classes,
        "handlers": parser.handlers,
        "loads": parser.loads,
        "text": "".join(parser.text),
        "tooltips": parser.tooltips,
        "headings_in_order": ordered and parser.headings[:1] == [1],
    }


def png(path):
    """Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise SystemExit("unsupported PNG layout")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    background = rows[0][:channels]
    differing, colours = 0, set()
    for line in rows[::4]:  # every fourth row is plenty to tell a page from a blank
        for x in range(0, stride, channels * 4):
            pixel = line[x:x + channels]
            colours.add(pixel)
            differing += pixel != background
    sampled = len(rows[::4]) * len(range(0, stride, channels * 4))
    return {"width": width, "height": height, "differing_share": differing / sampled,
            "colours": len(colours)}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("dom", "png"):
        raise SystemExit("usage: html_check.py dom|png FILE")
    result = dom(sys.argv[2]) if sys.argv[1] == "dom" else png(sys.argv[2])
    json.dump(result, sys.stdout, ensure_ascii=True)
