PROGS	+= sasyncctl
sasyncctl_SRCS := $(wildcard sasyncctl/*.c)
MANS	+= sasyncctl/sasyncctl.8
