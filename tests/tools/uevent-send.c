/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uevent-send TESTBED ACTION DEVPATH SUBSYSTEM [KEY=VALUE...]
 *
 * Deliver one udev event to every process that listens with a libudev
 * monitor inside the umockdev test bed TESTBED. umockdev's preload turns a
 * process's NETLINK_KOBJECT_UEVENT socket into a Unix datagram socket bound
 * at TESTBED/event<fd>; this sends each of them the message udevd would
 * multicast: the "libudev" header (with the subsystem hash the monitor's
 * socket filter checks) and the NUL-separated properties.
 *
 * Used by the TUI tests (tests/tui/) to show that the full-screen program follows a
 * device appearing. Exits 0 when at least one listener got the event, 1
 * when there was none, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* The header of libudev's monitor messages (systemd's device-monitor.c). */
struct monitor_header {
	char prefix[8];          /* "libudev" */
	uint32_t magic;          /* 0xfeedcafe, network order */
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash;   /* network order */
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

/* MurmurHash2 (Austin Appleby), seeded with the length, as libudev hashes
 * subsystem and devtype for its socket filter. */
static uint32_t murmur2(const char *s)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = (uint32_t)len;

	for (; len >= 4; len -= 4, p += 4) {
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3: h ^= (uint32_t)p[2] << 16; /* fall through */
	case 2: h ^= (uint32_t)p[1] << 8;  /* fall through */
	case 1: h ^= p[0]; h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

static size_t prop(char *buf, size_t size, size_t off, const char *key, const char *value)
{
	int n = snprintf(buf + off, size - off, "%s%s", key, value);

	if (n < 0 || (size_t)n + 1 > size - off) {
		fprintf(stderr, "uevent-send: properties too long\n");
		exit(2);
	}
	return off + (size_t)n + 1;   /* keep the NUL: it separates properties */
}

int main(int argc, char **argv)
{
	char props[4096], pattern[4096], seq[32];
	struct monitor_header hdr;
	size_t len = 0;
	glob_t gl;
	int sent = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: uevent-send TESTBED ACTION DEVPATH SUBSYSTEM [KEY=VALUE...]\n");
		return 2;
	}
	snprintf(seq, sizeof(seq), "%ld", (long)getpid());
	len = prop(props, sizeof(props), len, "ACTION=", argv[2]);
	len = prop(props, sizeof(props), len, "DEVPATH=", argv[3]);
	len = prop(props, sizeof(props), len, "SUBSYSTEM=", argv[4]);
	len = prop(props, sizeof(props), len, "SEQNUM=", seq);
	for (int i = 5; i < argc; i++)
		len = prop(props, sizeof(props), len, "", argv[i]);

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.prefix, "libudev", 8);
	hdr.magic = htonl(0xfeedcafe);
	hdr.header_size = sizeof(hdr);
	hdr.properties_off = sizeof(hdr);
	hdr.properties_len = (uint32_t)len;
	hdr.filter_subsystem_hash = htonl(murmur2(argv[4]));

	snprintf(pattern, sizeof(pattern), "%s/event[0-9]*", argv[1]);
	if (glob(pattern, 0, NULL, &gl) != 0) {
		fprintf(stderr, "uevent-send: nobody listens in %s\n", argv[1]);
		return 1;
	}
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { props, len } };
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			perror("uevent-send: socket");
			return 1;
		}
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", gl.gl_pathv[i]);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			/* a listener that has gone away leaves its socket file */
			close(fd);
			continue;
		}
		if (sendmsg(fd, &msg, 0) >= 0)
			sent++;
		else
			fprintf(stderr, "uevent-send: %s: %s\n", gl.gl_pathv[i], strerror(errno));
		close(fd);
	}
	globfree(&gl);
	if (!sent) {
		fprintf(stderr, "uevent-send: nobody listens in %s\n", argv[1]);
		return 1;
	}
	return 0;
}
