// A setjmp-based wrapper around libjpeg so that Swift never sees a longjmp: libjpeg's error_exit must not
// return, so it jumps back here and the functions below report the error as a return code and a message.
#include "CJPEGShim.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int warnings;
} shim_error_mgr;

static void shim_error_exit(j_common_ptr cinfo) {
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    err->base.format_message(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void shim_output_message(j_common_ptr cinfo) {
    (void)cinfo; // warnings are counted, never printed
}

static void shim_emit_message(j_common_ptr cinfo, int level) {
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    if (level < 0) {
        err->warnings++;
        // A stream that keeps producing corrupt-data warnings is cut short rather than decoded forever.
        if (err->warnings > 10000) {
            snprintf(err->message, sizeof err->message, "too many corrupt-data warnings");
            longjmp(err->jump, 1);
        }
    }
}

static void copy_message(const char *message, char *error, size_t error_size) {
    if (error && error_size > 0) {
        snprintf(error, error_size, "%s", message);
    }
}

static struct jpeg_error_mgr *install_error_manager(shim_error_mgr *err) {
    struct jpeg_error_mgr *base = jpeg_std_error(&err->base);
    err->base.error_exit = shim_error_exit;
    err->base.output_message = shim_output_message;
    err->base.emit_message = shim_emit_message;
    return base;
}

static void fill_info(struct jpeg_decompress_struct *cinfo, medsearch_jpeg_info *info) {
    info->width = (int)cinfo->image_width;
    info->height = (int)cinfo->image_height;
    info->components = cinfo->num_components;
    info->precision = cinfo->data_precision;
    info->color_space = (int)cinfo->jpeg_color_space;
    info->progressive = cinfo->progressive_mode ? 1 : 0;
    info->lossless = 0;
}

/// Reads the header and, unless `header_only`, decodes the image (both public entry points; one error frame).
static int decode_stream(const uint8_t *data, size_t size, uint8_t *output, size_t output_size,
                         int convert_to_rgb, uint64_t max_pixels, medsearch_jpeg_info *info,
                         char *error, size_t error_size, int header_only) {
    struct jpeg_decompress_struct cinfo;
    shim_error_mgr err;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&err, 0, sizeof err);
    if (size == 0 || size > (size_t)0xFFFFFFFFu) {
        copy_message("empty or oversized JPEG stream", error, error_size);
        return 1;
    }
    cinfo.err = install_error_manager(&err);
    if (setjmp(err.jump)) {
        copy_message(err.message, error, error_size);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    fill_info(&cinfo, info);
    if (header_only) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        copy_message("image dimensions exceed the limit for this input size", error, error_size);
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    // Bound libjpeg's own working memory (progressive coefficient buffers) as well.
    cinfo.mem->max_memory_to_use = (long)((max_pixels * 8 + (64u << 20)) & 0x7FFFFFFFFFFFULL);
    if (cinfo.num_components == 3) {
        cinfo.out_color_space = convert_to_rgb ? JCS_RGB : cinfo.jpeg_color_space;
    } else if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else {
        copy_message("unsupported number of JPEG components", error, error_size);
        jpeg_destroy_decompress(&cinfo);
        return 3;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (stride * (size_t)cinfo.output_height > output_size) {
        copy_message("output buffer too small", error, error_size);
        jpeg_destroy_decompress(&cinfo);
        return 4;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = output + (size_t)cinfo.output_scanline * stride;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            copy_message("JPEG stream ended early", error, error_size);
            jpeg_destroy_decompress(&cinfo);
            return 5;
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int medsearch_jpeg_read_header(const uint8_t *data, size_t size, medsearch_jpeg_info *info,
                               char *error, size_t error_size) {
    return decode_stream(data, size, NULL, 0, 0, UINT64_MAX, info, error, error_size, 1);
}

int medsearch_jpeg_decode(const uint8_t *data, size_t size, uint8_t *output, size_t output_size,
                          int convert_to_rgb, uint64_t max_pixels, medsearch_jpeg_info *info,
                          char *error, size_t error_size) {
    if (output == NULL) {
        copy_message("no output buffer", error, error_size);
        return 4;
    }
    return decode_stream(data, size, output, output_size, convert_to_rgb, max_pixels, info, error, error_size, 0);
}

int medsearch_jpeg_encode_gray(const uint8_t *pixels, int width, int height, int quality,
                               uint8_t **output, unsigned long *output_size, char *error, size_t error_size) {
    struct jpeg_compress_struct cinfo;
    shim_error_mgr err;
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&err, 0, sizeof err);
    *output = NULL;
    *output_size = 0;
    if (width <= 0 || height <= 0 || width > 65500 || height > 65500) {
        copy_message("image size out of range for JPEG", error, error_size);
        return 1;
    }
    cinfo.err = install_error_manager(&err);
    if (setjmp(err.jump)) {
        copy_message(err.message, error, error_size);
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *output = buffer;
    *output_size = size;
    return 0;
}

void medsearch_jpeg_free(uint8_t *buffer) { free(buffer); }
