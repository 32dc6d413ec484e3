PROGS	+= dhcpctl
dhcpctl_SRCS := $(wildcard dhcpctl/*.c)
MANS	+= dhcpctl/dhcpctl.8
