/* gst-webrtcsignal: HTTP serving of the web app for the signalling server
 * (internal to the library; see server.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace gstsig::web {

/* The GResource folder the library's built-in web app lives in. */
constexpr const char *RESOURCE_PREFIX = "/org/gstwebrtcsignal/web";

/* Answers an HTTP request for @path: GET/HEAD of a file from the built-in
 * app (@web_root empty) or from the folder @web_root. "/" and paths ending
 * in "/" map to index.html. Missing files, folders and attempts to leave
 * the folder get 404; other methods get 405. */
void serve (SoupServerMessage *msg, const char *path, const std::string &web_root);

/* The Content-Type header value for a file name, from its extension. */
const char *content_type_for (const std::string &name);

} // namespace gstsig::web
