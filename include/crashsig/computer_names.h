/*
 * computer_names.h - one name per machine: a log writes a computer as "WEB01", "web01" or
 * "WEB01.contoso.local" (forwarded logs, renamed domains, Windows versions), and a report must
 * count that machine once.
 *
 * Two names are one computer when they are equal ignoring ASCII case, or when one is the host
 * part (up to the first dot) of the other and that host has exactly one fully qualified name
 * among the incidents.  The canonical name is that FQDN, else the name; of names that differ
 * only in case, the spelling of the earliest incident's event.  A host with two FQDNs
 * (WEB01.a.local, WEB01.b.local) is two machines: its short name is then left as logged, since
 * crashsig cannot know which one it was.  Names whose host part is a number (an IPv4 address)
 * are never shortened or joined.
 *
 * Applied after the correlator (which pairs on the host part already, see correlator.c) and
 * before classification and grouping, so incidents, findings, filters and every writer see the
 * canonical name; the name as logged stays on the incident's events.
 *
 * Not for: pairing (correlator.h) or the names --state keys its logs by (state.h: as logged).
 */
#ifndef CRASHSIG_COMPUTER_NAMES_H
#define CRASHSIG_COMPUTER_NAMES_H

#include "crashsig/incident.h"

/* Sets incident->computer on every incident whose logged name is not its machine's canonical
 * name (above), from the names of all the incidents' .NET and Application Error events. */
void computer_names_canonicalize(struct incident_list *incidents);

#endif
