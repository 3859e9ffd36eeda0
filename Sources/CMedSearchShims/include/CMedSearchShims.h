#pragma once
#include <stddef.h>

/// Overwrites `count` bytes at `pointer` with zeros in a way the compiler may not elide.
void medsearch_zeroize(void *pointer, size_t count);

/// Compares two buffers in time that depends only on `count`. Returns 0 when equal.
int medsearch_constant_time_compare(const void *a, const void *b, size_t count);
