PROGS	+= sasyncd
sasyncd_SRCS := $(wildcard sasyncd/*.c) sasyncd/parse.y
MANS	+= sasyncd/sasyncd.8 sasyncd/sasyncd.conf.5

test_sasync_frame_DEPS	:= sasyncd/sasync_frame.c
test_sasync_role_DEPS	:= sasyncd/sasync_role.c sasyncd/sasync_frame.c
test_sasyncd_parse_DEPS	:= sasyncd/parse.y sasyncd/conf_print.c \
			   sasyncd/sasync_frame.c
test_sasync_xfrm_DEPS	:= sasyncd/sasync_xfrm.c
test_sasync_backend_xfrm_DEPS := sasyncd/backend_xfrm.c \
			   sasyncd/sasync_xfrm.c
fuzz_sasync_frame_DEPS	:= sasyncd/sasync_frame.c
fuzz_sasyncd_conf_DEPS	:= sasyncd/parse.y sasyncd/conf_print.c \
			   sasyncd/sasync_frame.c
fuzz_sasync_xfrm_DEPS	:= sasyncd/sasync_xfrm.c
