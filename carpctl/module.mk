PROGS	+= carpctl
carpctl_SRCS := $(wildcard carpctl/*.c)
MANS	+= carpctl/carpctl.8
