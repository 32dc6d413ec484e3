PROGS	+= dhcpd
dhcpd_SRCS := $(wildcard dhcpd/*.c) dhcpd/parse.y
MANS	+= dhcpd/dhcpd.8 dhcpd/dhcpd.conf.5 dhcpd/dhcpd.leases.5

test_dhcp_wire_DEPS	:= dhcpd/dhcp_wire.c
test_dhcpd_parse_DEPS	:= dhcpd/parse.y dhcpd/conf.c dhcpd/dhcp_opt.c
test_dhcp_lease_DEPS	:= dhcpd/lease.c dhcpd/leasefile.c
test_dhcp_sync_DEPS	:= dhcpd/sync_wire.c
fuzz_dhcp_options_DEPS	:= dhcpd/dhcp_wire.c
fuzz_dhcp_sync_DEPS	:= dhcpd/sync_wire.c
fuzz_dhcp_leases_DEPS	:= dhcpd/lease.c dhcpd/leasefile.c
fuzz_dhcpd_conf_DEPS	:= dhcpd/parse.y dhcpd/conf.c dhcpd/dhcp_opt.c
