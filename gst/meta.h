/* gst-webrtcsignal: peer meta data between GstStructure (element
 * properties) and JSON objects (the signalling protocol).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace gstsig {

/* Compact JSON object of the structure's fields (strings, numbers,
 * booleans; other types as their string form), or "null" for nullptr. */
std::string structure_to_json (const GstStructure *structure);

/* (transfer full) A structure named name holding the members of a JSON
 * object, or nullptr if json is not an object. */
GstStructure *structure_from_json (const std::string &json, const char *name);

} // namespace gstsig
