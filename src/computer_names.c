/*
 * computer_names.c - one canonical name per machine across the incidents of a run
 * (computer_names.h).
 *
 * Not for: pairing (correlator.c compares host parts itself) or --state's log keys.
 */
#include "crashsig/computer_names.h"

#include <stdlib.h>
#include <string.h>

/* One computer name as an event of an incident wrote it. */
struct logged_name {
    const char *name; /* borrowed from the event */
    size_t order;     /* incident index * 2 + side: the earliest spelling wins */
};

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* Compares the host parts (up to the first dot), ignoring ASCII case. */
static int compare_hosts(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '.' ? '\0' : lower(*a), y = *b == '.' ? '\0' : lower(*b);
        if (x != y || x == '\0')
            return (unsigned char)x < (unsigned char)y ? -1 : x != y;
    }
}

static int compare_logged_names(const void *pa, const void *pb)
{
    const struct logged_name *a = pa, *b = pb;
    int r = compare_hosts(a->name, b->name);
    if (r == 0)
        r = cs_strcasecmp(a->name, b->name);
    if (r == 0)
        r = a->order < b->order ? -1 : a->order > b->order;
    return r;
}

/* A fully qualified name: a host part, a dot, more; not an IPv4 address ("10.0.0.5"), whose
 * first number is no host name. */
static bool is_fqdn(const char *name)
{
    const char *dot = strchr(name, '.');
    if (dot == NULL || dot == name || dot[1] == '\0')
        return false;
    for (const char *p = name; p < dot; p++)
        if (*p < '0' || *p > '9')
            return true;
    return false;
}

/* The end of the run of names equal to names[i] ignoring case, and in *earliest the spelling of
 * the run's earliest event. */
static size_t spelling_run(const struct logged_name *names, size_t i, size_t end,
                           const char **earliest)
{
    size_t run = i, first = i;
    while (run < end && cs_strcasecmp(names[run].name, names[i].name) == 0) {
        first = names[run].order < names[first].order ? run : first;
        run++;
    }
    *earliest = names[first].name;
    return run;
}

/* Fills canonical[order] for the names[start..end) that share a host part (sorted). */
static void canonicalize_host(const struct logged_name *names, size_t start, size_t end,
                              const char **canonical)
{
    const char *fqdn = NULL, *spelling;
    size_t fqdn_count = 0;
    for (size_t i = start; i < end;) {
        i = spelling_run(names, i, end, &spelling);
        if (is_fqdn(spelling)) {
            fqdn = spelling;
            fqdn_count++;
        }
    }
    for (size_t i = start; i < end;) {
        size_t run = spelling_run(names, i, end, &spelling);
        /* the short name joins the host's one FQDN; with two FQDNs it could be either */
        bool joins = fqdn_count == 1 && (is_fqdn(spelling) || strchr(spelling, '.') == NULL);
        for (size_t k = i; k < run; k++)
            canonical[names[k].order] = joins ? fqdn : spelling;
        i = run;
    }
}

void computer_names_canonicalize(struct incident_list *incidents)
{
    size_t n = incidents->count;
    if (n == 0)
        return;
    struct logged_name *names = cs_xcalloc(2 * n, sizeof(*names));
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const struct incident *incident = &incidents->items[i];
        if (incident->dotnet)
            names[count++] = (struct logged_name){incident->dotnet->event.computer, 2 * i};
        if (incident->app_error)
            names[count++] = (struct logged_name){incident->app_error->event.computer, 2 * i + 1};
    }
    for (size_t i = 0; i < count; i++)
        names[i].name = names[i].name ? names[i].name : "";
    qsort(names, count, sizeof(*names), compare_logged_names);
    const char **canonical = cs_xcalloc(2 * n, sizeof(*canonical));
    for (size_t start = 0; start < count;) {
        size_t end = start + 1;
        while (end < count && compare_hosts(names[end].name, names[start].name) == 0)
            end++;
        canonicalize_host(names, start, end, canonical);
        start = end;
    }
    for (size_t i = 0; i < n; i++) {
        struct incident *incident = &incidents->items[i];
        const char *name = canonical[2 * i + (incident->dotnet ? 0 : 1)];
        free(incident->computer);
        incident->computer = NULL;
        if (name && strcmp(name, incident_logged_computer(incident)) != 0)
            incident->computer = cs_strdup(name);
    }
    free(canonical);
    free(names);
}
