/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * relayctl: the token tables (prefixes, ambiguity, ids and names, the
 * requests sent) and the text of specs/relayd.md section 10 byte for
 * byte: the show hosts example, every status word, %.2f%%, the counters
 * and statistics lines, sessions and the monitor's lines.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "parser.h"
#include "show.h"

#define HDR	"Id  \tType    \tName                    \tAvlblty\tStatus\n"
#define PAD	"\t        \t"

static char	*render(enum show_kind, int, const char *, int *);
static char	*monitor_text(const char *, int *);
static int	 parse_words(const char *, struct parse_result *, char *,
		    size_t);
static char	*request_text(const char *, const char *);

/* Prints every item of the JSON array text as relayctl would; *rv gets
 * the last failure (-1) or 0. */
static char *
render(enum show_kind kind, int header, const char *items, int *rv)
{
	json_error_t	 jerr;
	json_t		*a, *item;
	FILE		*f;
	char		*out = NULL;
	size_t		 len = 0, i;
	int		 r = 0;

	a = json_loads(items, 0, &jerr);
	assert_non_null(a);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	if (header)
		show_header(f);
	json_array_foreach(a, i, item)
		if (show_item(f, kind, item) == -1)
			r = -1;
	assert_int_equal(fclose(f), 0);
	json_decref(a);
	if (rv != NULL)
		*rv = r;
	return (out);
}

static char *
monitor_text(const char *event, int *done)
{
	json_error_t	 jerr;
	json_t		*ev;
	FILE		*f;
	char		*out = NULL;
	size_t		 len = 0;

	ev = json_loads(event, 0, &jerr);
	assert_non_null(ev);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	*done = show_monitor(f, ev, 1000);
	assert_int_equal(fclose(f), 0);
	json_decref(ev);
	return (out);
}

/* Splits words on spaces and parses them. */
static int
parse_words(const char *words, struct parse_result *res, char *err,
    size_t errlen)
{
	static char	 buf[256];
	static char	*argv[16];
	char		*p, *w;
	int		 argc = 0;

	(void)strlcpy(buf, words, sizeof(buf));
	p = buf;
	while ((w = strsep(&p, " ")) != NULL && argc < 15)
		if (*w != '\0')
			argv[argc++] = w;
	argv[argc] = NULL;
	return (parser_parse(argc, argv, res, err, errlen));
}

static char *
request_text(const char *words, const char *path)
{
	struct parse_result	 res;
	char			 err[512], *s;
	json_t			*req;

	assert_int_equal(parse_words(words, &res, err, sizeof(err)), 0);
	req = parser_request(&res, path);
	assert_non_null(req);
	s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(req);
	return (s);
}

static void
test_show_hosts_prints_the_spec_example_byte_for_byte(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_HOSTS, 1, "["
	    "{\"type\":\"redirect\",\"id\":1,\"name\":\"www\","
	    "\"status\":\"active\",\"stats\":{\"total\":9}},"
	    "{\"type\":\"table\",\"id\":1,\"name\":\"web:80\","
	    "\"status\":\"active\",\"up\":1},"
	    "{\"type\":\"host\",\"id\":1,\"name\":\"198.51.100.11\","
	    "\"parent\":0,\"state\":\"up\",\"checks\":12,\"ups\":12,"
	    "\"retry_left\":0,\"checked\":true},"
	    "{\"type\":\"host\",\"id\":2,\"name\":\"198.51.100.12\","
	    "\"parent\":0,\"state\":\"down\",\"checks\":12,\"ups\":6,"
	    "\"retry_left\":0,\"error\":\"tcp connect timeout\","
	    "\"checked\":true}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "Id  \tType    \tName                    \tAvlblty\tStatus\n"
	    "1   \ttable   \tweb:80                  \t       \t"
	    "active (1 hosts)\n"
	    "1   \thost    \t198.51.100.11           \t100.00%\tup\n"
	    "\t        \ttotal: 12/12 checks\n"
	    "2   \thost    \t198.51.100.12           \t50.00% \tdown\n"
	    "\t        \ttotal: 6/12 checks, error: tcp connect timeout\n");
	free(out);
}

static void
test_summary_shows_every_row_and_no_extra_line(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_SUMMARY, 1, "["
	    "{\"type\":\"redirect\",\"id\":1,\"name\":\"www\","
	    "\"status\":\"active (using backup table)\","
	    "\"stats\":{\"total\":5,\"last\":1}},"
	    "{\"type\":\"table\",\"id\":2,\"name\":\"web\","
	    "\"status\":\"empty\",\"up\":0},"
	    "{\"type\":\"host\",\"id\":3,\"name\":\"192.0.2.1\","
	    "\"state\":\"down\",\"checks\":4,\"ups\":1,\"error\":\"x\","
	    "\"checked\":true},"
	    "{\"type\":\"relay\",\"id\":1,\"name\":\"proxy\","
	    "\"status\":\"active\",\"stats\":{\"total\":7}},"
	    "{\"type\":\"router\",\"id\":1,\"name\":\"gw\","
	    "\"status\":\"disabled\",\"rtable\":5},"
	    "{\"type\":\"session\",\"id\":1,\"src\":\"a\",\"dst\":\"b\"},"
	    "{\"type\":\"future\",\"id\":1}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out, HDR
	    "1   \tredirect\twww                     \t       \t"
	    "active (using backup table)\n"
	    "2   \ttable   \tweb                     \t       \tempty\n"
	    "3   \thost    \t192.0.2.1               \t25.00% \tdown\n"
	    "1   \trelay   \tproxy                   \t       \tactive\n"
	    "1   \trouter  \tgw                      \t       \tdisabled\n");
	free(out);
}

static void
test_redirect_rows_carry_each_status_word(void **state)
{
	static const char	*words[] = { "active",
	    "active (using backup table)", "down", "disabled" };
	char			 items[256], want[256], *out;
	size_t			 i;
	int			 rv;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		(void)snprintf(items, sizeof(items), "[{\"type\":\"redirect\","
		    "\"id\":12345,\"name\":\"a-name-longer-than-24-chars\","
		    "\"status\":\"%s\"}]", words[i]);
		(void)snprintf(want, sizeof(want), "12345\tredirect\t"
		    "a-name-longer-than-24-chars\t       \t%s\n", words[i]);
		out = render(SHOW_REDIRECTS, 0, items, &rv);
		assert_int_equal(rv, 0);
		assert_string_equal(out, want);
		free(out);
	}
	out = render(SHOW_REDIRECTS, 0, "[{\"type\":\"redirect\",\"id\":1,"
	    "\"name\":\"www\",\"status\":\"up\"}]", &rv);
	assert_int_equal(rv, -1);
	assert_string_equal(out, "");
	free(out);
}

static void
test_table_status_follows_the_live_count(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_HOSTS, 0, "["
	    "{\"type\":\"table\",\"id\":1,\"name\":\"a\","
	    "\"status\":\"active\",\"up\":3},"
	    "{\"type\":\"table\",\"id\":2,\"name\":\"b:8080\","
	    "\"status\":\"empty\",\"up\":0},"
	    "{\"type\":\"table\",\"id\":3,\"name\":\"c\","
	    "\"status\":\"disabled\",\"up\":2},"
	    "{\"type\":\"table\",\"id\":4,\"name\":\"d\","
	    "\"status\":\"active\",\"up\":0}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "1   \ttable   \ta                       \t       \t"
	    "active (3 hosts)\n"
	    "2   \ttable   \tb:8080                  \t       \tempty\n"
	    "3   \ttable   \tc                       \t       \tdisabled\n"
	    "4   \ttable   \td                       \t       \tempty\n");
	free(out);
	out = render(SHOW_HOSTS, 0, "[{\"type\":\"table\",\"id\":1,"
	    "\"name\":\"a\",\"status\":\"full\",\"up\":3}]", &rv);
	assert_int_equal(rv, -1);
	assert_string_equal(out, "");
	free(out);
}

static void
test_host_rows_carry_each_state_word(void **state)
{
	static const char	*words[] = { "up", "down", "unknown",
	    "disabled" };
	char			 items[256], want[256], *out;
	size_t			 i;
	int			 rv;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		(void)snprintf(items, sizeof(items), "[{\"type\":\"host\","
		    "\"id\":7,\"name\":\"2001:db8::1\",\"state\":\"%s\"}]",
		    words[i]);
		(void)snprintf(want, sizeof(want), "7   \thost    \t"
		    "2001:db8::1             \t       \t%s\n", words[i]);
		out = render(SHOW_HOSTS, 0, items, &rv);
		assert_int_equal(rv, 0);
		assert_string_equal(out, want);
		free(out);
	}
	out = render(SHOW_HOSTS, 0, "[{\"type\":\"host\",\"id\":7,"
	    "\"name\":\"h\",\"state\":\"sleeping\"}]", &rv);
	assert_int_equal(rv, -1);
	assert_string_equal(out, "");
	free(out);
}

static void
test_availability_has_two_decimals_and_is_blank_unchecked(void **state)
{
	char	 buf[32];

	(void)state;
	assert_string_equal(show_availability(0, 0, buf, sizeof(buf)), "");
	assert_string_equal(show_availability(3, 1, buf, sizeof(buf)),
	    "33.33%");
	assert_string_equal(show_availability(3, 2, buf, sizeof(buf)),
	    "66.67%");
	assert_string_equal(show_availability(12, 12, buf, sizeof(buf)),
	    "100.00%");
	assert_string_equal(show_availability(8, 0, buf, sizeof(buf)),
	    "0.00%");
}

static void
test_a_host_with_a_parent_shows_the_parent_suffix(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_SUMMARY, 0, "[{\"type\":\"host\",\"id\":4,"
	    "\"name\":\"198.51.100.11\",\"parent\":1,\"state\":\"up\","
	    "\"checks\":2,\"ups\":2,\"checked\":true},"
	    "{\"type\":\"host\",\"id\":5,\"name\":\"198.51.100.12\","
	    "\"parent\":4294967295,\"state\":\"unknown\"}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "4   \thost    \t198.51.100.11 parent 1  \t100.00%\tup\n"
	    "5   \thost    \t198.51.100.12 parent 4294967295\t       \t"
	    "unknown\n");
	free(out);
}

static void
test_counters_line_shows_retries_and_an_error_when_down(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_HOSTS, 0, "["
	    "{\"type\":\"host\",\"id\":1,\"name\":\"a\",\"state\":\"up\","
	    "\"checks\":10,\"ups\":9,\"retry_left\":2,"
	    "\"error\":\"tcp connect ok\",\"checked\":true},"
	    "{\"type\":\"host\",\"id\":2,\"name\":\"b\",\"state\":\"down\","
	    "\"checks\":10,\"ups\":1,\"retry_left\":3,"
	    "\"error\":\"http code malformed\",\"checked\":true},"
	    "{\"type\":\"host\",\"id\":3,\"name\":\"c\","
	    "\"state\":\"disabled\",\"checks\":1,\"ups\":0,"
	    "\"error\":\"icmp read timeout\",\"checked\":true},"
	    "{\"type\":\"host\",\"id\":4,\"name\":\"d\",\"state\":\"down\","
	    "\"checks\":1,\"ups\":0,\"error\":\"\",\"checked\":true}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "1   \thost    \ta                       \t90.00% \tup\n"
	    PAD "total: 9/10 checks, 2 retries\n"
	    "2   \thost    \tb                       \t10.00% \tdown\n"
	    PAD "total: 1/10 checks, 3 retries, error: http code malformed\n"
	    "3   \thost    \tc                       \t0.00%  \tdisabled\n"
	    PAD "total: 0/1 checks\n"
	    "4   \thost    \td                       \t0.00%  \tdown\n"
	    PAD "total: 0/1 checks\n");
	free(out);
}

static void
test_counters_line_needs_a_check_and_a_counted_result(void **state)
{
	const char	*items = "["
	    "{\"type\":\"host\",\"id\":1,\"name\":\"a\",\"state\":\"up\","
	    "\"checks\":5,\"ups\":5,\"checked\":false},"
	    "{\"type\":\"host\",\"id\":2,\"name\":\"b\",\"state\":\"unknown\","
	    "\"checks\":0,\"ups\":0,\"checked\":true}]";
	const char	*want =
	    "1   \thost    \ta                       \t100.00%\tup\n"
	    "2   \thost    \tb                       \t       \tunknown\n";
	char		*out;
	int		 rv;

	(void)state;
	out = render(SHOW_HOSTS, 0, items, &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out, want);
	free(out);
	out = render(SHOW_SUMMARY, 0, "[{\"type\":\"host\",\"id\":1,"
	    "\"name\":\"a\",\"state\":\"up\",\"checks\":5,\"ups\":5,"
	    "\"checked\":true}]", &rv);
	assert_string_equal(out,
	    "1   \thost    \ta                       \t100.00%\tup\n");
	free(out);
}

static void
test_statistics_lines_appear_for_a_nonzero_total(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_REDIRECTS, 1, "["
	    "{\"type\":\"redirect\",\"id\":1,\"name\":\"idle\","
	    "\"status\":\"down\",\"stats\":{\"total\":0,\"last\":0,"
	    "\"last_hour\":0,\"last_day\":0,\"avg\":0,\"avg_hour\":0,"
	    "\"avg_day\":0}},"
	    "{\"type\":\"table\",\"id\":1,\"name\":\"t\",\"status\":\"active\","
	    "\"up\":1},"
	    "{\"type\":\"redirect\",\"id\":2,\"name\":\"www\","
	    "\"status\":\"active\",\"stats\":{\"total\":123456789012,"
	    "\"last\":1,\"last_hour\":2,\"last_day\":3,\"avg\":4,"
	    "\"avg_hour\":5,\"avg_day\":6}}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out, HDR
	    "1   \tredirect\tidle                    \t       \tdown\n"
	    "2   \tredirect\twww                     \t       \tactive\n"
	    PAD "total: 123456789012 sessions\n"
	    PAD "last: 1/60s 2/h 3/d sessions\n"
	    PAD "average: 4/60s 5/h 6/d sessions\n");
	free(out);
}

static void
test_relay_statistics_are_summed_over_the_relay_processes(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_RELAYS, 0, "["
	    "{\"type\":\"redirect\",\"id\":1,\"name\":\"www\","
	    "\"status\":\"active\",\"stats\":{\"total\":5}},"
	    "{\"type\":\"relay\",\"id\":1,\"name\":\"proxy\","
	    "\"status\":\"active\",\"stats\":["
	    "{\"total\":1,\"last\":1,\"last_hour\":1,\"last_day\":1,"
	    "\"avg\":1,\"avg_hour\":1,\"avg_day\":1},"
	    "{\"total\":2,\"last\":2,\"last_hour\":2,\"last_day\":2,"
	    "\"avg\":2,\"avg_hour\":2,\"avg_day\":2},"
	    "{\"total\":3,\"last\":3,\"last_hour\":3,\"last_day\":3,"
	    "\"avg\":3,\"avg_hour\":3,\"avg_day\":3}]},"
	    "{\"type\":\"relay\",\"id\":2,\"name\":\"off\","
	    "\"status\":\"disabled\",\"stats\":[{\"total\":0}]}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "1   \trelay   \tproxy                   \t       \tactive\n"
	    PAD "total: 6 sessions\n"
	    PAD "last: 6/60s 6/h 6/d sessions\n"
	    PAD "average: 6/60s 6/h 6/d sessions\n"
	    "2   \trelay   \toff                     \t       \tdisabled\n");
	free(out);
}

static void
test_nonzero_relay_counters_follow_the_statistics(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_RELAYS, 0, "["
	    "{\"type\":\"relay\",\"id\":1,\"name\":\"www\","
	    "\"status\":\"active\",\"stats\":{\"total\":9,\"last\":9,"
	    "\"last_hour\":9,\"last_day\":9},\"counters\":{"
	    "\"bad_request\":2,\"too_long\":1,\"too_many\":1,"
	    "\"other\":1,\"timeout\":1,\"bad_chunk\":1,\"edit\":1,"
	    "\"smuggle\":1,\"blocked\":3,\"connect\":4,"
	    "\"no_backend\":5,\"bad_response\":6,\"early_close\":7,"
	    "\"tls\":8,\"backend_tls\":9}},"
	    "{\"type\":\"relay\",\"id\":2,\"name\":\"quiet\","
	    "\"status\":\"active\",\"counters\":{\"bad_request\":0,"
	    "\"blocked\":2,\"connect\":-1,\"timeout\":\"x\"}}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "1   \trelay   \twww                     \t       \tactive\n"
	    PAD "total: 9 sessions\n"
	    PAD "last: 9/60s 9/h 9/d sessions\n"
	    PAD "average: 0/60s 0/h 0/d sessions\n"
	    PAD "refused: 2 bad requests (400)\n"
	    PAD "refused: 1 heads too long (413)\n"
	    PAD "refused: 1 heads with too many headers (431)\n"
	    PAD "refused: 1 other requests (403, 405, 500, 501, 505)\n"
	    PAD "refused: 1 heads not complete in time (408)\n"
	    PAD "refused: 1 bad chunked bodies (400)\n"
	    PAD "refused: 1 heads a rule's edit made too large\n"
	    PAD "defused: 1 requests with Content-Length and "
	    "Transfer-Encoding\n"
	    PAD "blocked: 3 by rules\n"
	    PAD "backend: 4 connects failed\n"
	    PAD "backend: 5 sessions with none available\n"
	    PAD "backend: 6 bad responses (502)\n"
	    PAD "backend: 7 closed before the response (502)\n"
	    PAD "refused: 8 TLS handshakes\n"
	    PAD "backend: 9 TLS handshakes failed\n"
	    "2   \trelay   \tquiet                   \t       \tactive\n"
	    PAD "blocked: 2 by rules\n");
	free(out);
}

static void
test_relay_counters_stay_out_of_the_summary(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_SUMMARY, 0, "["
	    "{\"type\":\"relay\",\"id\":1,\"name\":\"www\","
	    "\"status\":\"active\",\"counters\":{\"bad_request\":2}}]",
	    &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "1   \trelay   \twww                     \t       \tactive\n");
	free(out);
}

static void
test_routers_show_rtable_rtlabel_and_routes(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_ROUTERS, 0, "["
	    "{\"type\":\"router\",\"id\":1,\"name\":\"uplinks\","
	    "\"status\":\"active\",\"rtable\":2,\"rtlabel\":\"isp\","
	    "\"routes\":[\"0.0.0.0/0\",{\"addr\":\"2001:db8::\","
	    "\"prefixlen\":32}]},"
	    "{\"type\":\"router\",\"id\":2,\"name\":\"plain\","
	    "\"status\":\"active\",\"rtable\":0,\"rtlabel\":\"\"}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "1   \trouter  \tuplinks                 \t       \tactive\n"
	    PAD "rtable: 2\n"
	    PAD "rtlabel: isp\n"
	    PAD "route: 0.0.0.0/0\n"
	    PAD "route: 2001:db8::/32\n"
	    "2   \trouter  \tplain                   \t       \tactive\n");
	free(out);
}

static void
test_sessions_print_two_lines_with_hours_past_99_and_tag(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_SESSIONS, 0, "["
	    "{\"type\":\"relay\",\"id\":1,\"name\":\"p\","
	    "\"status\":\"active\"},"
	    "{\"type\":\"session\",\"pid\":4242,\"peer\":0,\"id\":17,"
	    "\"src\":\"203.0.113.5\",\"sport\":51000,"
	    "\"dst\":\"198.51.100.11\",\"dport\":80,\"done\":false,"
	    "\"age\":3723,\"idle\":5,\"relay\":1,\"tag\":\"\"},"
	    "{\"type\":\"session\",\"pid\":4243,\"peer\":2,\"id\":18,"
	    "\"src\":\"2001:db8::5\",\"sport\":1,\"dst\":\"2001:db8::1\","
	    "\"dport\":443,\"done\":true,\"age\":360001,\"idle\":59,"
	    "\"relay\":3,\"tag\":\"blocked\"}]", &rv);
	assert_int_equal(rv, 0);
	assert_string_equal(out,
	    "session 0:17 203.0.113.5:51000 -> 198.51.100.11:80\tRUNNING\n"
	    "\tage 01:02:03, idle 00:00:05, relay 1, pid 4242\n"
	    "session 2:18 2001:db8::5:1 -> 2001:db8::1:443\tDONE\n"
	    "\tage 100:00:01, idle 00:00:59, relay 3, pid 4243, "
	    "tag (id) blocked\n");
	free(out);
}

static void
test_an_item_without_id_or_name_is_refused(void **state)
{
	char	*out;
	int	 rv;

	(void)state;
	out = render(SHOW_SUMMARY, 0, "["
	    "{\"type\":\"table\",\"name\":\"t\",\"status\":\"empty\"},"
	    "{\"type\":\"host\",\"id\":1,\"state\":\"up\"},"
	    "{\"type\":\"redirect\",\"id\":-1,\"name\":\"r\","
	    "\"status\":\"down\"},"
	    "{\"type\":\"relay\",\"id\":\"1\",\"name\":\"r\","
	    "\"status\":\"active\"}]", &rv);
	assert_int_equal(rv, -1);
	assert_string_equal(out, "");
	free(out);
}

static void
test_show_wants_filters_items_as_openbsd_does(void **state)
{
	static const struct {
		const char	*type;
		int		 want[6];	/* by enum show_kind */
	} cases[] = {
		{ "redirect",	{ 1, 0, 1, 0, 0, 0 } },
		{ "table",	{ 1, 1, 0, 0, 0, 0 } },
		{ "host",	{ 1, 1, 0, 0, 0, 0 } },
		{ "relay",	{ 1, 0, 0, 1, 0, 0 } },
		{ "router",	{ 1, 0, 0, 0, 1, 0 } },
		{ "session",	{ 0, 0, 0, 0, 0, 1 } },
		{ "other",	{ 0, 0, 0, 0, 0, 0 } },
	};
	json_t	*item;
	size_t	 i;
	int	 k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		item = json_pack("{s:s}", "type", cases[i].type);
		for (k = SHOW_SUMMARY; k <= SHOW_SESSIONS; k++)
			assert_int_equal(show_wants((enum show_kind)k, item),
			    cases[i].want[k]);
		json_decref(item);
	}
}

static void
test_monitor_host_status_prints_id_and_state(void **state)
{
	char	*out;
	int	 done;

	(void)state;
	out = monitor_text("{\"event\":\"host_status\",\"id\":3,"
	    "\"state\":\"down\",\"time\":0}", &done);
	assert_int_equal(done, 0);
	assert_string_equal(out,
	    "host_status: imsg type 37 len 48 peerid 0 pid 1\n"
	    "\ttimestamp: 0, Thu Jan  1 00:00:00 1970\n"
	    "\tid: 3\n"
	    "\tstate: down\n");
	free(out);
	out = monitor_text("{\"event\":\"host_status\",\"id\":3,"
	    "\"state\":\"disabled\",\"time\":1796585751}", &done);
	assert_string_equal(out,
	    "host_status: imsg type 37 len 48 peerid 0 pid 1\n"
	    "\ttimestamp: 1796585751, Sun Dec  6 19:35:51 2026\n"
	    "\tid: 3\n"
	    "\tstate: unknown\n");
	free(out);
}

static void
test_monitor_id_events_print_the_name_when_known(void **state)
{
	static const struct {
		const char	*name;
		int		 type;
	} ev[] = {
		{ "ctl_rdr_disable", 18 },	{ "ctl_rdr_enable", 17 },
		{ "ctl_table_disable", 20 },	{ "ctl_table_enable", 19 },
		{ "ctl_host_disable", 22 },	{ "ctl_host_enable", 21 },
		{ "ctl_table_changed", 13 },	{ "ctl_pull_ruleset", 14 },
		{ "ctl_push_ruleset", 15 },
	};
	char	 in[256], want[256], *out;
	size_t	 i;
	int	 done;

	(void)state;
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		(void)snprintf(in, sizeof(in), "{\"event\":\"%s\",\"id\":2,"
		    "\"name\":\"web:80\",\"time\":60}", ev[i].name);
		(void)snprintf(want, sizeof(want), "%s: imsg type %d len 84 "
		    "peerid 0 pid 1\n\ttimestamp: 60, Thu Jan  1 00:01:00 1970"
		    "\n\tid: 2\n\tname: web:80\n", ev[i].name, ev[i].type);
		out = monitor_text(in, &done);
		assert_int_equal(done, 0);
		assert_string_equal(out, want);
		free(out);
	}
	out = monitor_text("{\"event\":\"ctl_pull_ruleset\",\"id\":1,"
	    "\"time\":60}", &done);
	assert_string_equal(out, "ctl_pull_ruleset: imsg type 14 len 84 "
	    "peerid 0 pid 1\n\ttimestamp: 60, Thu Jan  1 00:01:00 1970\n"
	    "\tid: 1\n");
	free(out);
}

static void
test_monitor_sync_prints_only_its_header(void **state)
{
	char	*out;
	int	 done;

	(void)state;
	out = monitor_text("{\"event\":\"sync\",\"time\":60}", &done);
	assert_int_equal(done, 0);
	assert_string_equal(out, "sync: imsg type 38 len 16 peerid 0 pid 1\n"
	    "\ttimestamp: 60, Thu Jan  1 00:01:00 1970\n");
	free(out);
}

static void
test_monitor_ends_at_an_unknown_event(void **state)
{
	char	*out;
	int	 done;

	(void)state;
	out = monitor_text("{\"event\":\"something_new\",\"id\":1}", &done);
	assert_int_equal(done, 1);
	/* No "time": the caller's now (1000) stands in. */
	assert_string_equal(out, "<unknown>: imsg type 0 len 16 peerid 0 "
	    "pid 1\n\ttimestamp: 1000, Thu Jan  1 00:16:40 1970\n");
	free(out);
	out = monitor_text("{\"event\":\"ctl_verbose\",\"time\":0}", &done);
	assert_int_equal(done, 1);
	assert_string_equal(out, "<unknown>: imsg type 3 len 20 peerid 0 "
	    "pid 1\n\ttimestamp: 0, Thu Jan  1 00:00:00 1970\n");
	free(out);
}

static void
test_every_command_parses_from_a_unique_prefix(void **state)
{
	static const struct {
		const char		*words;
		enum parser_action	 action;
	} cases[] = {
		{ "show summary",	PARSER_SHOW_SUM },
		{ "sh su",		PARSER_SHOW_SUM },
		{ "show hosts",		PARSER_SHOW_HOSTS },
		{ "sh h",		PARSER_SHOW_HOSTS },
		{ "show redirects",	PARSER_SHOW_RDRS },
		{ "sh red",		PARSER_SHOW_RDRS },
		{ "show relays",	PARSER_SHOW_RELAYS },
		{ "sh rel",		PARSER_SHOW_RELAYS },
		{ "show routers",	PARSER_SHOW_ROUTERS },
		{ "sh ro",		PARSER_SHOW_ROUTERS },
		{ "show sessions",	PARSER_SHOW_SESSIONS },
		{ "sh se",		PARSER_SHOW_SESSIONS },
		{ "redirect disable 1",	PARSER_RDR_DISABLE },
		{ "red e www",		PARSER_RDR_ENABLE },
		{ "table disable 1",	PARSER_TABLE_DISABLE },
		{ "t en web",		PARSER_TABLE_ENABLE },
		{ "host disable 3",	PARSER_HOST_DISABLE },
		{ "h e 3",		PARSER_HOST_ENABLE },
		{ "stop",		PARSER_SHUTDOWN },
		{ "st",			PARSER_SHUTDOWN },
		{ "poll",		PARSER_POLL },
		{ "p",			PARSER_POLL },
		{ "load /etc/relayd.conf", PARSER_LOAD },
		{ "loa x.conf",		PARSER_LOAD },
		{ "reload",		PARSER_RELOAD },
		{ "rel",		PARSER_RELOAD },
		{ "monitor",		PARSER_MONITOR },
		{ "m",			PARSER_MONITOR },
		{ "log verbose",	PARSER_LOG_VERBOSE },
		{ "log v",		PARSER_LOG_VERBOSE },
		{ "log brief",		PARSER_LOG_BRIEF },
		{ "log b",		PARSER_LOG_BRIEF },
	};
	struct parse_result	 res;
	char			 err[1024];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse_words(cases[i].words, &res, err, sizeof(err)) != 0)
			fail_msg("'%s': %s", cases[i].words, err);
		assert_int_equal(res.pr_action, cases[i].action);
	}
}

static void
test_ambiguous_prefixes_are_refused_with_the_valid_words(void **state)
{
	struct parse_result	 res;
	char			 err[1024];

	(void)state;
	assert_int_equal(parse_words("s", &res, err, sizeof(err)), -1);
	assert_string_equal(err, "ambiguous argument: s\n"
	    "valid commands/args:\n  monitor\n  show\n  load\n  poll\n"
	    "  reload\n  stop\n  redirect\n  table\n  host\n  log\n");
	/* OpenBSD's tables: "s" is summary and sessions, so the spec's
	 * "sh s" is ambiguous too. */
	assert_int_equal(parse_words("sh s", &res, err, sizeof(err)), -1);
	assert_string_equal(err, "ambiguous argument: s\n"
	    "valid commands/args:\n  summary\n  hosts\n  redirects\n"
	    "  relays\n  routers\n  sessions\n");
	assert_int_equal(parse_words("re", &res, err, sizeof(err)), -1);
	assert_true(strncmp(err, "ambiguous argument: re\n", 23) == 0);
	assert_int_equal(parse_words("lo", &res, err, sizeof(err)), -1);
	assert_int_equal(parse_words("show re", &res, err, sizeof(err)), -1);
	assert_int_equal(parse_words("show r", &res, err, sizeof(err)), -1);
	assert_int_equal(parse_words("host e 1", &res, err, sizeof(err)), 0);
}

static void
test_unknown_missing_and_superfluous_words_are_refused(void **state)
{
	struct parse_result	 res;
	char			 err[1024], small[16];

	(void)state;
	assert_int_equal(parse_words("", &res, err, sizeof(err)), -1);
	assert_true(strncmp(err, "missing argument:\nvalid commands/args:\n"
	    "  monitor\n", 48) == 0);
	assert_int_equal(parse_words("frobnicate", &res, err, sizeof(err)),
	    -1);
	assert_true(strncmp(err, "unknown argument: frobnicate\n", 29) == 0);
	assert_int_equal(parse_words("show", &res, err, sizeof(err)), -1);
	assert_true(strncmp(err, "missing argument:\n", 18) == 0);
	assert_int_equal(parse_words("host disable", &res, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "missing argument:\nvalid commands/args:\n"
	    "  <hostid>\n");
	assert_int_equal(parse_words("table enable", &res, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "missing argument:\nvalid commands/args:\n"
	    "  <tableid>\n");
	assert_int_equal(parse_words("redirect enable", &res, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "missing argument:\nvalid commands/args:\n"
	    "  <redirectid>\n");
	assert_int_equal(parse_words("load", &res, err, sizeof(err)), -1);
	assert_string_equal(err, "missing argument:\nvalid commands/args:\n"
	    "  <path>\n");
	assert_int_equal(parse_words("show summary now", &res, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "superfluous argument: now\n");
	assert_int_equal(parse_words("host disable 1 2", &res, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "superfluous argument: 2\n");
	assert_int_equal(parse_words("log loud", &res, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "unknown argument: loud\n"
	    "valid commands/args:\n  verbose\n  brief\n");
	/* A short buffer truncates and stays terminated. */
	assert_int_equal(parse_words("s", &res, small, sizeof(small)), -1);
	assert_string_equal(small, "ambiguous argum");
}

static void
test_a_number_is_an_id_and_anything_else_a_name(void **state)
{
	struct parse_result	 res;
	char			 err[512];

	(void)state;
	assert_int_equal(parse_words("host disable 3", &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.pr_byname, 0);
	assert_int_equal(res.pr_id, 3);
	assert_int_equal(parse_words("host disable 0", &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.pr_byname, 0);
	assert_int_equal(res.pr_id, 0);
	assert_int_equal(parse_words("table enable 4294967295", &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.pr_byname, 0);
	assert_int_equal(res.pr_id, 4294967295U);
	assert_int_equal(parse_words("table enable 4294967296", &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.pr_byname, 1);
	assert_string_equal(res.pr_name, "4294967296");
	assert_int_equal(parse_words("host disable 198.51.100.11", &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.pr_byname, 1);
	assert_string_equal(res.pr_name, "198.51.100.11");
	assert_int_equal(parse_words("redirect disable -1", &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.pr_byname, 1);
	assert_string_equal(res.pr_name, "-1");
	assert_int_equal(parse_words("redirect disable web:80", &res, err,
	    sizeof(err)), 0);
	assert_string_equal(res.pr_name, "web:80");
	/* A keyword word is an id argument too, never a prefix. */
	assert_int_equal(parse_words("host enable show", &res, err,
	    sizeof(err)), 0);
	assert_string_equal(res.pr_name, "show");
}

static void
test_requests_carry_the_daemon_command_words(void **state)
{
	static const struct {
		const char	*words;
		const char	*json;
	} cases[] = {
		{ "show summary",	"{\"cmd\":\"show\"}" },
		{ "show hosts",		"{\"cmd\":\"show\"}" },
		{ "show sessions",
		    "{\"cmd\":\"show\",\"sessions\":true}" },
		{ "host disable 3",	"{\"cmd\":\"host_disable\",\"id\":3}" },
		{ "host enable www1",
		    "{\"cmd\":\"host_enable\",\"name\":\"www1\"}" },
		{ "table disable 2",
		    "{\"cmd\":\"table_disable\",\"id\":2}" },
		{ "table enable web:80",
		    "{\"cmd\":\"table_enable\",\"name\":\"web:80\"}" },
		{ "redirect disable www",
		    "{\"cmd\":\"redirect_disable\",\"name\":\"www\"}" },
		{ "redirect enable 1",
		    "{\"cmd\":\"redirect_enable\",\"id\":1}" },
		{ "stop",		"{\"cmd\":\"stop\"}" },
		{ "poll",		"{\"cmd\":\"poll\"}" },
		{ "reload",		"{\"cmd\":\"reload\"}" },
		{ "monitor",		"{\"cmd\":\"monitor\"}" },
		{ "log verbose",
		    "{\"cmd\":\"log\",\"level\":\"verbose\"}" },
		{ "log brief",
		    "{\"cmd\":\"log\",\"level\":\"brief\"}" },
	};
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = request_text(cases[i].words, NULL);
		assert_string_equal(s, cases[i].json);
		free(s);
	}
}

static void
test_load_sends_the_path_it_is_given(void **state)
{
	struct parse_result	 res;
	char			 err[512], *s;

	(void)state;
	s = request_text("load /etc/hakit/relayd.conf", NULL);
	assert_string_equal(s,
	    "{\"cmd\":\"load\",\"file\":\"/etc/hakit/relayd.conf\"}");
	free(s);
	s = request_text("load new.conf", "/root/new.conf");
	assert_string_equal(s,
	    "{\"cmd\":\"load\",\"file\":\"/root/new.conf\"}");
	free(s);
	assert_int_equal(parse_words("load new.conf", &res, err, sizeof(err)),
	    0);
	assert_string_equal(res.pr_path, "new.conf");
	memset(&res, 0, sizeof(res));
	assert_null(parser_request(&res, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_show_hosts_prints_the_spec_example_byte_for_byte),
		cmocka_unit_test(
		    test_summary_shows_every_row_and_no_extra_line),
		cmocka_unit_test(test_redirect_rows_carry_each_status_word),
		cmocka_unit_test(test_table_status_follows_the_live_count),
		cmocka_unit_test(test_host_rows_carry_each_state_word),
		cmocka_unit_test(
		    test_availability_has_two_decimals_and_is_blank_unchecked),
		cmocka_unit_test(
		    test_a_host_with_a_parent_shows_the_parent_suffix),
		cmocka_unit_test(
		    test_counters_line_shows_retries_and_an_error_when_down),
		cmocka_unit_test(
		    test_counters_line_needs_a_check_and_a_counted_result),
		cmocka_unit_test(
		    test_statistics_lines_appear_for_a_nonzero_total),
		cmocka_unit_test(
		    test_relay_statistics_are_summed_over_the_relay_processes),
		cmocka_unit_test(
		    test_nonzero_relay_counters_follow_the_statistics),
		cmocka_unit_test(test_relay_counters_stay_out_of_the_summary),
		cmocka_unit_test(test_routers_show_rtable_rtlabel_and_routes),
		cmocka_unit_test(
		    test_sessions_print_two_lines_with_hours_past_99_and_tag),
		cmocka_unit_test(test_an_item_without_id_or_name_is_refused),
		cmocka_unit_test(test_show_wants_filters_items_as_openbsd_does),
		cmocka_unit_test(test_monitor_host_status_prints_id_and_state),
		cmocka_unit_test(
		    test_monitor_id_events_print_the_name_when_known),
		cmocka_unit_test(test_monitor_sync_prints_only_its_header),
		cmocka_unit_test(test_monitor_ends_at_an_unknown_event),
		cmocka_unit_test(
		    test_every_command_parses_from_a_unique_prefix),
		cmocka_unit_test(
		    test_ambiguous_prefixes_are_refused_with_the_valid_words),
		cmocka_unit_test(
		    test_unknown_missing_and_superfluous_words_are_refused),
		cmocka_unit_test(
		    test_a_number_is_an_id_and_anything_else_a_name),
		cmocka_unit_test(test_requests_carry_the_daemon_command_words),
		cmocka_unit_test(test_load_sends_the_path_it_is_given),
	};

	/* The monitor's timestamps are ctime(3) text: pin the zone. */
	(void)setenv("TZ", "UTC", 1);
	tzset();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
