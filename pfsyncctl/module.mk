PROGS	+= pfsyncctl
pfsyncctl_SRCS := $(wildcard pfsyncctl/*.c) pfsyncd/pfsync_wire.c
MANS	+= pfsyncctl/pfsyncctl.8
