PROGS	+= pfsyncd
pfsyncd_SRCS := $(wildcard pfsyncd/*.c) pfsyncd/parse.y
MANS	+= pfsyncd/pfsyncd.8 pfsyncd/pfsyncd.conf.5

test_pfsync_wire_DEPS	:= pfsyncd/pfsync_wire.c
test_pfsync_map_DEPS	:= pfsyncd/pfsync_map.c pfsyncd/pfsync_queue.c \
			   pfsyncd/pfsync_wire.c pfsyncd/ct_util.c
test_pfsync_ct_DEPS	:= pfsyncd/ct.c pfsyncd/ct_util.c
test_pfsyncd_parse_DEPS	:= pfsyncd/parse.y pfsyncd/filter.c pfsyncd/ct_util.c
fuzz_pfsync_wire_DEPS	:= pfsyncd/pfsync_wire.c
fuzz_pfsyncd_conf_DEPS	:= pfsyncd/parse.y pfsyncd/filter.c pfsyncd/ct_util.c
