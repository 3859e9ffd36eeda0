#pragma once
#include <stddef.h>
#include <stdint.h>

/// Header facts of a JPEG stream, as libjpeg reads them.
typedef struct medsearch_jpeg_info {
    int width;
    int height;
    /// Components in the stream (1 gray, 3 colour, 4 CMYK/YCCK).
    int components;
    /// Sample precision in bits (8 for baseline, 12 for extended).
    int precision;
    /// libjpeg's J_COLOR_SPACE of the stream.
    int color_space;
    /// 1 if progressive (SOF2), else 0.
    int progressive;
    /// 1 if lossless (SOF3), else 0.
    int lossless;
} medsearch_jpeg_info;

/// Reads the header of `data`; returns 0 on success, or non-zero with a message in `error` (NUL-terminated).
/// No call longjmps out of this function: libjpeg's fatal errors are caught inside it.
int medsearch_jpeg_read_header(const uint8_t *data, size_t size, medsearch_jpeg_info *info,
                               char *error, size_t error_size);

/// Decodes `data` into `output` (`output_size` bytes, which must be at least width*height*out_components).
/// `convert_to_rgb`: 1 converts YCbCr to RGB (libjpeg's default), 0 keeps the stream's colour space.
/// `max_pixels` rejects images with more pixels before anything is allocated.
/// Returns 0 on success, non-zero with a message in `error`.
int medsearch_jpeg_decode(const uint8_t *data, size_t size, uint8_t *output, size_t output_size,
                          int convert_to_rgb, uint64_t max_pixels, medsearch_jpeg_info *info,
                          char *error, size_t error_size);

/// Encodes an 8-bit grayscale image (`width * height` bytes, rows top to bottom) as a baseline JPEG of the given
/// quality (1...100). On success returns 0 and a buffer in `*output` (`*output_size` bytes) that the caller frees
/// with medsearch_jpeg_free; on failure non-zero with a message in `error`.
int medsearch_jpeg_encode_gray(const uint8_t *pixels, int width, int height, int quality,
                               uint8_t **output, unsigned long *output_size, char *error, size_t error_size);

/// Frees a buffer returned by medsearch_jpeg_encode_gray.
void medsearch_jpeg_free(uint8_t *buffer);
