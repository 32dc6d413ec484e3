/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * main() for fuzz targets outside libFuzzer: runs each file named on the
 * command line (directories are walked one level) through the target
 * once, so make check replays every corpus under gcc and ASan.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	replay_file(const char *);

static int
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*data;
	long		 len;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		perror(path);
		(void)fclose(f);
		return (-1);
	}
	if ((data = malloc(len ? (size_t)len : 1)) == NULL ||
	    fread(data, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		free(data);
		(void)fclose(f);
		return (-1);
	}
	(void)fclose(f);
	(void)LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 path[4096];
	int		 i, n = 0, rv = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			perror(argv[i]);
			return (1);
		}
		if (!S_ISDIR(st.st_mode)) {
			rv |= replay_file(argv[i]);
			n++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return (1);
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			rv |= replay_file(path);
			n++;
		}
		(void)closedir(d);
	}
	printf("replayed %d inputs\n", n);
	return (rv ? 1 : 0);
}
