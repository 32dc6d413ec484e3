PROGS	+= relayd
relayd_SRCS := $(wildcard relayd/*.c) relayd/parse.y
MANS	+= relayd/relayd.8 relayd/relayd.conf.5

# A: configuration
test_relayd_parse_DEPS	:= relayd/parse.y relayd/conf.c relayd/conf_print.c
fuzz_relayd_conf_DEPS	:= relayd/parse.y relayd/conf.c relayd/conf_print.c
# B: host check engine
test_relayd_hce_DEPS	:= relayd/hce_state.c relayd/check_http.c
test_relayd_hce_net_DEPS := relayd/hce.c relayd/hce_state.c relayd/check_http.c
fuzz_relayd_http_check_DEPS := relayd/check_http.c relayd/hce_state.c
# C: nftables
test_relayd_nft_DEPS	:= relayd/buckets.c relayd/nft.c relayd/ct_kill.c \
			   relayd/conf.c relayd/stats.c
# N: DNS relay
test_relayd_dns_DEPS	:= relayd/dns.c
fuzz_relayd_dns_DEPS	:= relayd/dns.c
# T: TLS for relays
test_relayd_ca_DEPS	:= relayd/ca.c relayd/inspect.c relayd/relay_tls.c
fuzz_relayd_ca_DEPS	:= relayd/ca.c
test_relayd_tls_DEPS	:= relayd/relay_tls.c
fuzz_relayd_tls_files_DEPS := relayd/relay_tls.c
# H: HTTP/1.x heads and chunked bodies for relays
test_relayd_http_DEPS	:= relayd/http.c
fuzz_relayd_http_DEPS	:= relayd/http.c
# F: filter rules (the unit test includes filter.c for its statics)
test_relayd_filter_DEPS	:= relayd/patterns.c relayd/http.c
fuzz_relayd_filter_DEPS	:= relayd/filter.c relayd/patterns.c relayd/http.c
