/* gst-webrtcsignal: identifiers and comparisons an attacker must not be able
 * to guess or time: random bytes from the kernel's cryptographic generator
 * (getrandom), never GLib's g_random. Internal: not an installed header.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gstsig {

/* Fills buf with len bytes from the kernel's cryptographic generator.
 * Aborts if the kernel cannot give them (there is no safe fallback). */
void secure_random_bytes (void *buf, size_t len);

/* A random (version 4) UUID in its usual text form. */
std::string secure_random_uuid ();

/* Whether a and b are equal, in a time that depends only on their lengths. */
bool constant_time_equal (std::string_view a, std::string_view b);

} // namespace gstsig
