/*
 * test_correlator.c - pairing of .NET Runtime events with Application Error 1000s
 * (src/correlator.c), on hand-built events so each rule is tested alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/correlator.h"

#define T0    (133000000000000000ULL) /* some time in 2022 */
#define MS(x) ((uint64_t)(x)*CS_TICKS_PER_MS)

static void fill_event(struct event *ev, const char *computer, uint64_t time, uint64_t record_id,
                       uint32_t event_id)
{
    ev->file = "test.evtx";
    ev->computer = cs_strdup(computer);
    ev->channel = cs_strdup("Application");
    ev->provider = cs_strdup(event_id == 1000 ? "Application Error" : ".NET Runtime");
    ev->time = time;
    ev->record_id = record_id;
    ev->event_record_id = record_id;
    ev->event_id = event_id;
}

static struct dotnet_event *dotnet(const char *computer, const char *app, uint64_t time,
                                   uint64_t record_id)
{
    struct dotnet_event *d = dotnet_event_new();
    fill_event(&d->event, computer, time, record_id, 1026);
    d->crash->application = cs_strdup(app);
    return d;
}

static struct app_error_event *app_error(const char *computer, const char *app, uint64_t time,
                                         uint64_t record_id)
{
    struct app_error_event *a = cs_xcalloc(1, sizeof(*a));
    fill_event(&a->event, computer, time, record_id, 1000);
    a->fault.app_name = cs_strdup(app);
    return a;
}

/* The record id of each side of incident i, 0 when absent. */
static uint64_t dotnet_id(const struct incident_list *list, size_t i)
{
    return list->items[i].dotnet ? list->items[i].dotnet->event.record_id : 0;
}

static uint64_t app_error_id(const struct incident_list *list, size_t i)
{
    return list->items[i].app_error ? list->items[i].app_error->event.record_id : 0;
}

static void test_pairs_within_window(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0, 1));
    correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 + MS(220), 2));
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 1);
    assert_true(list.items[0].paired);
    assert_int_equal(list.items[0].gap_ms, 220);
    correlator_free(c);
    incident_list_free(&list);
}

static void test_window_bounds_pairing(void **state)
{
    (void)state;
    for (int wide = 0; wide <= 1; wide++) {
        struct correlator *c = correlator_new(wide ? 180000 : 0);
        correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0, 1));
        correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 + MS(120000), 2));
        struct incident_list list = {0};
        correlator_finish(c, &list);
        assert_int_equal(list.count, wide ? 1 : 2);
        assert_int_equal(list.items[0].paired, wide);
        correlator_free(c);
        incident_list_free(&list);
    }
}

static void test_same_second_each_gets_its_own(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    /* three app pools die in the same second; their 1000s follow in the same order */
    for (int i = 0; i < 3; i++) {
        correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0 + MS(100 * i), 10 + 2 * i));
        correlator_add_app_error(c,
                                 app_error("WEB01", "w3wp.exe", T0 + MS(100 * i + 40), 11 + 2 * i));
    }
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(list.items[i].paired);
        assert_int_equal(app_error_id(&list, i), dotnet_id(&list, i) + 1);
        assert_int_equal(list.items[i].gap_ms, 40);
    }
    correlator_free(c);
    incident_list_free(&list);
}

static void test_application_and_computer_must_match(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0, 1));
    correlator_add_dotnet(c, dotnet("WEB01", "Worker.exe", T0, 2));
    correlator_add_app_error(c, app_error("WEB02", "w3wp.exe", T0 + MS(10), 3));
    correlator_add_app_error(c, app_error("web01", "WORKER.EXE", T0 + MS(20), 4));
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 3);
    size_t paired = 0;
    for (size_t i = 0; i < list.count; i++) {
        if (list.items[i].paired) {
            paired++;
            assert_int_equal(dotnet_id(&list, i), 2); /* case-insensitive match */
            assert_int_equal(app_error_id(&list, i), 4);
        }
    }
    assert_int_equal(paired, 1);
    correlator_free(c);
    incident_list_free(&list);
}

static void test_forward_gap_preferred_over_backward(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    /* a 1000 30 ms before the .NET event belongs to an earlier, lost crash; the one 900 ms
     * after is this crash's */
    correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 - MS(30), 1));
    correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0, 2));
    correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 + MS(900), 3));
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 2);
    assert_int_equal(app_error_id(&list, 0), 1);
    assert_false(list.items[0].paired);
    assert_int_equal(dotnet_id(&list, 1), 2);
    assert_int_equal(app_error_id(&list, 1), 3);
    correlator_free(c);
    incident_list_free(&list);
}

static void test_backward_gap_pairs_when_alone(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 - MS(30), 1));
    correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0, 2));
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 1);
    assert_true(list.items[0].paired);
    assert_int_equal(list.items[0].gap_ms, -30);
    correlator_free(c);
    incident_list_free(&list);
}

static void test_duplicates_are_dropped(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", T0, 5));
    struct dotnet_event *copy = dotnet("WEB01", "w3wp.exe", T0, 5);
    copy->event.recovered = true;
    correlator_add_dotnet(c, copy);
    correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 + MS(5), 6));
    correlator_add_app_error(c, app_error("WEB01", "w3wp.exe", T0 + MS(5), 6));
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 1);
    assert_true(list.items[0].paired);
    assert_false(list.items[0].dotnet->event.recovered); /* the live copy is kept */
    correlator_free(c);
    incident_list_free(&list);
}

/* The result must not depend on the order records were read (circular logs). */
static void test_input_order_does_not_matter(void **state)
{
    (void)state;
    uint64_t times[] = {T0 + MS(5000), T0, T0 + MS(300), T0 + MS(60000), T0 + MS(60100)};
    uint64_t first_ids[2][6] = {{0}};
    for (int pass = 0; pass < 2; pass++) {
        struct correlator *c = correlator_new(0);
        for (int k = 0; k < 5; k++) {
            int i = pass ? 4 - k : k;
            correlator_add_dotnet(c, dotnet("WEB01", "w3wp.exe", times[i], 100 + (uint64_t)i));
            correlator_add_app_error(
                c, app_error("WEB01", "w3wp.exe", times[i] + MS(50 + 10 * i), 200 + (uint64_t)i));
        }
        struct incident_list list = {0};
        correlator_finish(c, &list);
        assert_int_equal(list.count, 5);
        for (size_t i = 0; i < list.count; i++) {
            assert_true(list.items[i].paired);
            assert_int_equal(app_error_id(&list, i) - 200, dotnet_id(&list, i) - 100);
            first_ids[pass][i] = dotnet_id(&list, i);
            if (i)
                assert_true(incident_time(&list.items[i - 1]) <= incident_time(&list.items[i]));
        }
        correlator_free(c);
        incident_list_free(&list);
    }
    assert_memory_equal(first_ids[0], first_ids[1], sizeof(first_ids[0]));
}

static void test_orphans_are_incidents(void **state)
{
    (void)state;
    struct correlator *c = correlator_new(0);
    correlator_add_dotnet(c, dotnet("WEB01", "a.exe", T0, 1));
    correlator_add_app_error(c, app_error("WEB01", "b.exe", T0 + MS(1), 2));
    struct incident_list list = {0};
    correlator_finish(c, &list);
    assert_int_equal(list.count, 2);
    assert_false(list.items[0].paired);
    assert_non_null(list.items[0].dotnet);
    assert_null(list.items[0].app_error);
    assert_null(list.items[1].dotnet);
    assert_non_null(list.items[1].app_error);
    correlator_free(c);
    incident_list_free(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_within_window),
        cmocka_unit_test(test_window_bounds_pairing),
        cmocka_unit_test(test_same_second_each_gets_its_own),
        cmocka_unit_test(test_application_and_computer_must_match),
        cmocka_unit_test(test_forward_gap_preferred_over_backward),
        cmocka_unit_test(test_backward_gap_pairs_when_alone),
        cmocka_unit_test(test_duplicates_are_dropped),
        cmocka_unit_test(test_input_order_does_not_matter),
        cmocka_unit_test(test_orphans_are_incidents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
