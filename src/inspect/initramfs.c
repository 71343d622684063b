/* initramfs reader: concatenated cpio newc archives, each raw or compressed, as init/initramfs.c sees them. */
#include "inspect/initramfs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#define NEWC_HDR 110

static int fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -code;
}

static int list_add(char ***v, size_t *n, char *s)
{
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s)) {
			free(s);
			return 0;
		}
	char **t = realloc(*v, (*n + 1) * sizeof *t);
	if (!t) {
		free(s);
		return -ENOMEM;
	}
	*v = t;
	t[(*n)++] = s;
	return 0;
}

char *initramfs_module_name(const char *path, size_t n)
{
	static const char *const exts[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	const char *base = path;

	for (size_t i = 0; i < n; i++)
		if (path[i] == '/')
			base = path + i + 1;
	size_t bl = n - (size_t)(base - path);
	for (size_t e = 0; e < sizeof exts / sizeof exts[0]; e++) {
		size_t el = strlen(exts[e]);
		if (bl > el && !memcmp(base + bl - el, exts[e], el)) {
			char *s = strndup(base, bl - el);
			if (s)
				for (char *p = s; *p; p++)
					if (*p == '-')
						*p = '_';
			return s;
		}
	}
	return NULL;
}

int initramfs_add_builtin(char ***list, size_t *n, const char *text, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t l = e ? (size_t)(e - (text + i)) : len - i;
		char *m = initramfs_module_name(text + i, l);
		if (m && list_add(list, n, m) < 0)
			return -ENOMEM;
		i += l + 1;
	}
	return 0;
}

bool initramfs_has_module(const struct initramfs_info *info, const char *name)
{
	char want[64];
	size_t k = 0;

	for (; name[k] && k + 1 < sizeof want; k++)
		want[k] = name[k] == '-' ? '_' : name[k];
	want[k] = '\0';
	for (size_t i = 0; i < info->n_modules; i++)
		if (!strcmp(info->modules[i], want))
			return true;
	for (size_t i = 0; i < info->n_builtin; i++)
		if (!strcmp(info->builtin[i], want))
			return true;
	return false;
}

void initramfs_info_free(struct initramfs_info *info)
{
	for (size_t i = 0; i < info->n_modules; i++)
		free(info->modules[i]);
	free(info->modules);
	for (size_t i = 0; i < info->n_builtin; i++)
		free(info->builtin[i]);
	free(info->builtin);
	memset(info, 0, sizeof *info);
}

/* ---- cpio newc ---- */

static bool hex8(const unsigned char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

static size_t align4(size_t x) { return (x + 3) & ~(size_t)3; }

static bool is_newc(const unsigned char *p, size_t n)
{
	return n >= 6 && (!memcmp(p, "070701", 6) || !memcmp(p, "070702", 6));
}

#define BUILTIN_MAX (4u << 20)

/* One cpio entry seen: count it, and note a kernel module by name. */
static int entry(struct initramfs_info *info, uint32_t mode, const char *name, size_t nl)
{
	info->n_files++;
	char *m = (mode & 0170000) == 0100000 ? initramfs_module_name(name, nl) : NULL;
	return m ? list_add(&info->modules, &info->n_modules, m) : 0;
}

/* The one file whose content matters: modules.builtin (the drivers built into the kernel). */
static bool wants_data(uint32_t mode, const char *name, size_t nl, uint32_t filesize)
{
	return (mode & 0170000) == 0100000 && nl >= 15 && !memcmp(name + nl - 15, "modules.builtin", 15) &&
	       filesize <= BUILTIN_MAX;
}

/* Parses one cpio archive at buf[*pos], up to and including its TRAILER!!! entry. */
static int parse_cpio(const unsigned char *buf, size_t len, size_t *pos, size_t base, struct initramfs_info *info,
		      char *err, size_t errlen)
{
	size_t p = *pos;

	for (;;) {
		if (len - p < NEWC_HDR)
			return fail(err, errlen, EINVAL, "truncated cpio header at byte %zu", base + p);
		const unsigned char *h = buf + p;
		if (!is_newc(h, 6))
			return fail(err, errlen, EINVAL, "bad cpio magic at byte %zu (only newc is supported)", base + p);
		uint32_t mode, filesize, namesize;
		if (!hex8(h + 14, &mode) || !hex8(h + 54, &filesize) || !hex8(h + 94, &namesize))
			return fail(err, errlen, EINVAL, "bad cpio header at byte %zu", base + p);
		if (namesize == 0 || namesize > 4096 || len - p - NEWC_HDR < namesize)
			return fail(err, errlen, EINVAL, "truncated cpio entry name at byte %zu", base + p);
		const char *name = (const char *)h + NEWC_HDR;
		size_t nl = namesize - 1;
		if (memchr(name, '\0', nl))
			nl = strlen(name);
		size_t data = align4(p + NEWC_HDR + namesize);
		if (data > len || len - data < filesize)
			return fail(err, errlen, EINVAL, "truncated cpio data of '%.*s' at byte %zu", (int)(nl > 200 ? 200 : nl),
				    name, base + p);
		if (nl == 10 && !memcmp(name, "TRAILER!!!", 10)) {
			*pos = align4(data + filesize) < len ? align4(data + filesize) : len;
			return 0;
		}
		if (entry(info, mode, name, nl) < 0 ||
		    (wants_data(mode, name, nl, filesize) &&
		     initramfs_add_builtin(&info->builtin, &info->n_builtin, (const char *)buf + data, filesize) < 0))
			return -ENOMEM;
		p = align4(data + filesize);
		if (p > len)
			p = len;
	}
}

/* ---- the same, streaming: for decompressed data, parsed as it comes out, so memory stays small ---- */

struct cpio_stream {
	struct initramfs_info *info;
	enum { ST_BETWEEN, ST_HEADER, ST_NAME, ST_DATA } state;
	unsigned char hdr[NEWC_HDR];
	char name[4096 + 4];
	size_t have, need;        /* bytes gathered into hdr/name; bytes of name+pad or data+pad to go */
	uint32_t mode, filesize, namesize;
	bool trailer, keep;
	char *data;               /* modules.builtin content while it streams by */
	size_t datalen;
	size_t pos;               /* offset in the decompressed stream, for messages */
	char *err;
	size_t errlen;
};

static int stream_header(struct cpio_stream *c)
{
	size_t at = c->pos - NEWC_HDR;

	if (!is_newc(c->hdr, 6))
		return fail(c->err, c->errlen, EINVAL, "bad cpio magic at byte %zu of the unpacked archive", at);
	if (!hex8(c->hdr + 14, &c->mode) || !hex8(c->hdr + 54, &c->filesize) || !hex8(c->hdr + 94, &c->namesize))
		return fail(c->err, c->errlen, EINVAL, "bad cpio header at byte %zu of the unpacked archive", at);
	if (c->namesize == 0 || c->namesize > 4096)
		return fail(c->err, c->errlen, EINVAL, "bad cpio name size at byte %zu of the unpacked archive", at);
	c->need = align4(NEWC_HDR + c->namesize) - NEWC_HDR;
	c->have = 0;
	c->state = ST_NAME;
	return 0;
}

static int stream_data_done(struct cpio_stream *c)
{
	if (c->keep) {
		int r = initramfs_add_builtin(&c->info->builtin, &c->info->n_builtin, c->data, c->datalen);
		free(c->data);
		c->data = NULL;
		c->keep = false;
		if (r < 0)
			return r;
	}
	if (c->trailer)
		c->info->n_archives++;
	c->state = c->trailer ? ST_BETWEEN : ST_HEADER;
	c->have = 0;
	return 0;
}

static int stream_name(struct cpio_stream *c)
{
	size_t nl = c->namesize - 1;

	c->name[nl] = '\0';
	nl = strlen(c->name);
	c->trailer = nl == 10 && !memcmp(c->name, "TRAILER!!!", 10);
	if (!c->trailer && entry(c->info, c->mode, c->name, nl) < 0)
		return -ENOMEM;
	c->keep = !c->trailer && wants_data(c->mode, c->name, nl, c->filesize);
	c->datalen = 0;
	if (c->keep && !(c->data = malloc(c->filesize ? c->filesize : 1)))
		return -ENOMEM;
	c->need = align4(c->filesize);
	c->state = ST_DATA;
	return c->need ? 0 : stream_data_done(c);
}

static int stream_feed(struct cpio_stream *c, const unsigned char *p, size_t n)
{
	int r;

	while (n) {
		size_t take;
		switch (c->state) {
		case ST_BETWEEN: /* zero padding between archives, then the next one */
			if (*p == 0) {
				p++, n--, c->pos++;
				continue;
			}
			c->state = ST_HEADER;
			c->have = 0;
			continue;
		case ST_HEADER:
			take = NEWC_HDR - c->have < n ? NEWC_HDR - c->have : n;
			memcpy(c->hdr + c->have, p, take);
			c->have += take;
			break;
		case ST_NAME:
			take = c->need < n ? c->need : n;
			memcpy(c->name + c->have, p, take);
			c->have += take;
			c->need -= take;
			break;
		case ST_DATA:
			take = c->need < n ? c->need : n;
			if (c->keep && c->datalen < c->filesize) {
				size_t k = c->filesize - c->datalen < take ? c->filesize - c->datalen : take;
				memcpy(c->data + c->datalen, p, k);
				c->datalen += k;
			}
			c->need -= take;
			break;
		default:
			return -EINVAL;
		}
		p += take, n -= take, c->pos += take;
		if (c->state == ST_HEADER && c->have == NEWC_HDR && (r = stream_header(c)) < 0)
			return r;
		else if (c->state == ST_NAME && c->need == 0 && (r = stream_name(c)) < 0)
			return r;
		else if (c->state == ST_DATA && c->need == 0 && (r = stream_data_done(c)) < 0)
			return r;
	}
	return 0;
}

static int stream_end(struct cpio_stream *c)
{
	free(c->data);
	c->data = NULL;
	if (c->state != ST_BETWEEN)
		return fail(c->err, c->errlen, EINVAL, "truncated cpio archive (unpacked data ends at byte %zu)", c->pos);
	return 0;
}

/* ---- decompression into a small window that is fed to the cpio stream ---- */

struct out {
	unsigned char *p;
	size_t len, cap, max, total;
	struct cpio_stream *sink;
	int sink_err;
};

/* Makes room for `more` bytes at p + len, passing what is there to the cpio stream first. */
static int out_reserve(struct out *o, size_t more)
{
	if (o->total + o->len + more > o->max)
		return -EFBIG;
	if (o->len + more <= o->cap)
		return 0;
	if (o->len) {
		int r = stream_feed(o->sink, o->p, o->len);
		o->total += o->len;
		o->len = 0;
		if (r < 0)
			return o->sink_err = r;
	}
	if (more > o->cap) {
		unsigned char *t = realloc(o->p, more);
		if (!t)
			return -ENOMEM;
		o->p = t;
		o->cap = more;
	}
	return 0;
}

static int out_flush(struct out *o)
{
	int r = o->len ? stream_feed(o->sink, o->p, o->len) : 0;

	o->total += o->len;
	o->len = 0;
	return r < 0 ? (o->sink_err = r) : 0;
}

#define CHUNK (1u << 16)

static int inflate_gzip(const unsigned char *in, size_t n, struct out *o, size_t *used)
{
	z_stream z = { 0 };
	int r = 0;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)in;
	z.avail_in = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	for (;;) {
		if ((r = out_reserve(o, CHUNK)) < 0)
			break;
		z.next_out = o->p + o->len;
		z.avail_out = CHUNK;
		int zr = inflate(&z, Z_NO_FLUSH);
		o->len += CHUNK - z.avail_out;
		if (zr == Z_STREAM_END) {
			/* gzip allows concatenated members */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			break;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0) {
			r = -EPIPE; /* truncated */
			break;
		}
		if (zr != Z_OK) {
			r = -EBADMSG;
			break;
		}
	}
	*used = (size_t)(z.next_in - in);
	inflateEnd(&z);
	return r;
}

static int unxz(const unsigned char *in, size_t n, struct out *o, size_t *used)
{
	lzma_stream s = LZMA_STREAM_INIT;
	int r = 0;

	/* auto: .xz and the legacy .lzma format; memory limit keeps a hostile header from allocating GiBs */
	if (lzma_auto_decoder(&s, 256u << 20, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = n;
	lzma_action action = LZMA_FINISH;
	for (;;) {
		if ((r = out_reserve(o, CHUNK)) < 0)
			break;
		s.next_out = o->p + o->len;
		s.avail_out = CHUNK;
		lzma_ret lr = lzma_code(&s, action);
		o->len += CHUNK - s.avail_out;
		if (lr == LZMA_STREAM_END)
			break;
		if (lr == LZMA_BUF_ERROR) {
			r = -EPIPE;
			break;
		}
		if (lr != LZMA_OK) {
			r = lr == LZMA_MEM_ERROR || lr == LZMA_MEMLIMIT_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
	}
	*used = n - s.avail_in;
	lzma_end(&s);
	return r;
}

static int unzstd(const unsigned char *in, size_t n, struct out *o, size_t *used)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	int r = 0;

	if (!d)
		return -ENOMEM;
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
	for (;;) {
		if ((r = out_reserve(o, CHUNK)) < 0)
			break;
		ZSTD_outBuffer ob = { o->p + o->len, CHUNK, 0 };
		size_t zr = ZSTD_decompressStream(d, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(zr)) {
			r = -EBADMSG;
			break;
		}
		if (zr == 0 && ib.pos == ib.size)
			break;
		if (zr == 0) {
			/* end of a frame; another may follow (zstd frames concatenate) */
			if (ib.size - ib.pos < 4 || memcmp((const char *)in + ib.pos, "\x28\xb5\x2f\xfd", 4))
				break;
			continue;
		}
		if (ib.pos == ib.size && ob.pos < CHUNK) {
			r = -EPIPE;
			break;
		}
	}
	*used = ib.pos;
	ZSTD_freeDStream(d);
	return r;
}

/* The kernel's lz4 is the legacy format (lz4 -l): magic, then blocks of u32 LE compressed size + data,
 * each at most 8 MiB uncompressed. */
static int unlz4_legacy(const unsigned char *in, size_t n, struct out *o, size_t *used)
{
	const size_t block = 8u << 20;
	size_t p = 4;
	int r;

	while (n - p >= 4) {
		uint32_t cs = (uint32_t)in[p] | (uint32_t)in[p + 1] << 8 | (uint32_t)in[p + 2] << 16 |
			      (uint32_t)in[p + 3] << 24;
		if (cs == 0x184C2102) { /* a new legacy frame */
			p += 4;
			continue;
		}
		if (cs == 0 || cs > (uint32_t)LZ4_compressBound((int)block))
			break; /* not a block: end of stream (the kernel does the same) */
		if (n - p - 4 < cs) {
			*used = n;
			return -EPIPE;
		}
		if ((r = out_reserve(o, block)) < 0) {
			*used = p;
			return r;
		}
		int got = LZ4_decompress_safe((const char *)in + p + 4, (char *)o->p + o->len, (int)cs, (int)block);
		if (got < 0) {
			*used = p;
			return -EBADMSG;
		}
		o->len += (size_t)got;
		p += 4 + cs;
	}
	*used = p;
	return 0;
}

static int unlz4_frame(const unsigned char *in, size_t n, struct out *o, size_t *used)
{
	LZ4F_dctx *d;
	size_t p = 0;
	int r = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return -ENOMEM;
	for (;;) {
		if ((r = out_reserve(o, CHUNK)) < 0)
			break;
		size_t ol = CHUNK, il = n - p;
		size_t hint = LZ4F_decompress(d, o->p + o->len, &ol, in + p, &il, NULL);
		o->len += ol;
		p += il;
		if (LZ4F_isError(hint)) {
			r = -EBADMSG;
			break;
		}
		if (hint == 0)
			break;
		if (p == n && ol == 0) {
			r = -EPIPE;
			break;
		}
	}
	*used = p;
	LZ4F_freeDecompressionContext(d);
	return r;
}

static const struct {
	const char *name;
	const unsigned char magic[6];
	size_t len;
	int (*unpack)(const unsigned char *, size_t, struct out *, size_t *);
} compressors[] = {
	{ "gzip", { 0x1f, 0x8b }, 2, inflate_gzip },
	{ "gzip", { 0x1f, 0x9e }, 2, inflate_gzip },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, unxz },
	{ "lzma", { 0x5d, 0, 0 }, 3, unxz },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, unzstd },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4, unlz4_legacy },
	{ "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4, unlz4_frame },
};

static const char *known_unsupported(const unsigned char *p, size_t n)
{
	if (n >= 3 && !memcmp(p, "BZh", 3))
		return "bzip2";
	if (n >= 4 && !memcmp(p, "\x89LZO", 4))
		return "lzo";
	return NULL;
}

static int parse_archives(const unsigned char *buf, size_t len, size_t base, size_t max,
			  struct initramfs_info *info, char *err, size_t errlen)
{
	size_t pos = 0;
	int r;

	while (pos < len) {
		if (buf[pos] == 0) { /* padding between archives */
			pos++;
			continue;
		}
		if (is_newc(buf + pos, len - pos)) {
			if ((r = parse_cpio(buf, len, &pos, base, info, err, errlen)) < 0)
				return r;
			info->n_archives++;
			snprintf(info->compression, sizeof info->compression, "none");
			continue;
		}
		size_t c = 0;
		while (c < sizeof compressors / sizeof compressors[0] &&
		       (len - pos < compressors[c].len || memcmp(buf + pos, compressors[c].magic, compressors[c].len)))
			c++;
		if (c == sizeof compressors / sizeof compressors[0]) {
			const char *u = known_unsupported(buf + pos, len - pos);
			if (u)
				return fail(err, errlen, ENOTSUP, "%s-compressed archive at byte %zu (not supported)", u,
					    base + pos);
			return fail(err, errlen, EINVAL, "not a cpio archive or known compression at byte %zu",
				    base + pos);
		}
		struct cpio_stream cs = { .info = info, .state = ST_BETWEEN, .err = err, .errlen = errlen };
		struct out o = { .max = max, .sink = &cs };
		size_t used = 0, archives = info->n_archives;
		r = compressors[c].unpack(buf + pos, len - pos, &o, &used);
		if (r == 0)
			r = out_flush(&o);
		free(o.p);
		if (r < 0) {
			free(cs.data);
			if (o.sink_err)
				return o.sink_err; /* the cpio stream said what was wrong */
			if (r == -EFBIG)
				return fail(err, errlen, EFBIG, "%s archive at byte %zu unpacks to more than %zu MiB",
					    compressors[c].name, base + pos, max >> 20);
			if (r == -ENOMEM)
				return r;
			return fail(err, errlen, EINVAL, "%s archive at byte %zu is %s", compressors[c].name, base + pos,
				    r == -EPIPE ? "truncated" : "corrupt");
		}
		if ((r = stream_end(&cs)) < 0)
			return r;
		if (info->n_archives == archives)
			return fail(err, errlen, EINVAL, "%s archive at byte %zu holds no cpio archive",
				    compressors[c].name, base + pos);
		snprintf(info->compression, sizeof info->compression, "%s", compressors[c].name);
		if (used == 0)
			used = 1;
		pos += used;
	}
	if (info->n_archives == 0)
		return fail(err, errlen, EINVAL, "empty initramfs");
	return 0;
}

int initramfs_parse(const unsigned char *buf, size_t len, size_t max_unpacked, struct initramfs_info *info,
		    char *err, size_t errlen)
{
	memset(info, 0, sizeof *info);
	if (err && errlen)
		err[0] = '\0';
	int r = parse_archives(buf, len, 0, max_unpacked, info, err, errlen);
	if (r == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	if (r < 0)
		initramfs_info_free(info);
	return r;
}
