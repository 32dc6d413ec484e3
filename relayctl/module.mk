PROGS	+= relayctl
relayctl_SRCS := relayctl/relayctl.c relayctl/parser.c relayctl/show.c
MANS	+= relayctl/relayctl.8
test_relayctl_DEPS	:= relayctl/parser.c relayctl/show.c
