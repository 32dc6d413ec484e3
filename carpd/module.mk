PROGS	+= carpd
carpd_SRCS := $(wildcard carpd/*.c) carpd/parse.y
MANS	+= carpd/carpd.8 carpd/carpd.conf.5

test_carp_wire_DEPS	:= carpd/carp_wire.c
test_carp_fsm_DEPS	:= carpd/carp_fsm.c
test_carpd_parse_DEPS	:= carpd/parse.y carpd/carp_wire.c
fuzz_carp_wire_DEPS	:= carpd/carp_wire.c
fuzz_carpd_conf_DEPS	:= carpd/parse.y carpd/carp_wire.c
