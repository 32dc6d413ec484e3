/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg.h"

static int	 sp[2];
static struct msg m;

static int
setup(void **state)
{
	(void)state;
	return (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp));
}

static int
teardown(void **state)
{
	(void)state;
	(void)close(sp[0]);
	(void)close(sp[1]);
	return (0);
}

static void
test_a_message_arrives_whole_with_its_type(void **state)
{
	(void)state;
	assert_int_equal(msg_send(sp[0], 7, "hello", 5, -1), 0);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(m.m_type, 7);
	assert_int_equal(m.m_len, 5);
	assert_memory_equal(m.m_data, "hello", 5);
	assert_int_equal(m.m_fd, -1);
}

static void
test_an_empty_payload_is_a_message(void **state)
{
	(void)state;
	assert_int_equal(msg_send(sp[0], 3, NULL, 0, -1), 0);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_int_equal(m.m_type, 3);
	assert_int_equal(m.m_len, 0);
}

static void
test_a_descriptor_crosses_and_still_works(void **state)
{
	int	 p[2];
	char	 c = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(msg_send(sp[0], 1, "x", 1, p[1]), 0);
	(void)close(p[1]);
	assert_int_equal(msg_recv(sp[1], &m), 1);
	assert_true(m.m_fd >= 0);
	assert_int_equal(write(m.m_fd, "z", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	assert_true(fcntl(m.m_fd, F_GETFD) & FD_CLOEXEC);
	(void)close(m.m_fd);
	(void)close(p[0]);
}

static void
test_an_oversized_payload_is_refused_before_sending(void **state)
{
	static uint8_t	 big[MSG_MAXLEN + 1];

	(void)state;
	assert_int_equal(msg_send(sp[0], 1, big, sizeof(big), -1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(msg_recv(sp[1], &m), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
test_a_header_that_lies_about_its_length_is_rejected(void **state)
{
	uint32_t	 hdr[3] = { 9, 100, 0 };	/* says 100, has 4 */

	(void)state;
	assert_int_equal(send(sp[0], hdr, sizeof(hdr), 0), sizeof(hdr));
	assert_int_equal(msg_recv(sp[1], &m), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_a_message_shorter_than_a_header_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(send(sp[0], "abc", 3, 0), 3);
	assert_int_equal(msg_recv(sp[1], &m), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_end_of_file_reads_as_zero(void **state)
{
	(void)state;
	(void)shutdown(sp[0], SHUT_WR);
	assert_int_equal(msg_recv(sp[1], &m), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_message_arrives_whole_with_its_type, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_empty_payload_is_a_message, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_descriptor_crosses_and_still_works, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_oversized_payload_is_refused_before_sending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_header_that_lies_about_its_length_is_rejected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_message_shorter_than_a_header_is_rejected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_end_of_file_reads_as_zero,
		    setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
