/* gst-webrtcsignal: HTTP serving of the web app (see server-web.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "server-web.h"

#include <gio/gio.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace gstsig::web {

namespace {

struct ContentType {
  const char *extension;
  const char *type;
};

constexpr ContentType CONTENT_TYPES[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".htm", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".json", "application/json" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".ico", "image/x-icon" },
  { ".txt", "text/plain; charset=utf-8" },
  { ".map", "application/json" },
  { ".wasm", "application/wasm" },
};

/* Turns the request path into a path relative to the web root, or returns
 * false if it is not acceptable ("..", dotfiles and dot-folders such as
 * .git or .env, backslashes, NULs). */
bool
relative_path (const char *path, std::string *out)
{
  std::string rel = path ? path : "/";
  while (!rel.empty () && rel.front () == '/')
    rel.erase (0, 1);
  if (rel.empty () || rel.back () == '/')
    rel += "index.html";

  if (rel.find ('\\') != std::string::npos || rel.find ('\0') != std::string::npos)
    return false;

  size_t start = 0;
  while (start <= rel.size ()) {
    size_t end = rel.find ('/', start);
    if (end == std::string::npos)
      end = rel.size ();
    std::string segment = rel.substr (start, end - start);
    if (!segment.empty () && segment[0] == '.')
      return false;
    start = end + 1;
  }
  *out = rel;
  return true;
}

GBytes *
load_from_resource (const std::string &rel)
{
  std::string resource_path = std::string (RESOURCE_PREFIX) + "/" + rel;
  return g_resources_lookup_data (resource_path.c_str (), G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
}

/* The canonical absolute form of @path with symlinks resolved, or "". */
std::string
real_path (const std::string &path)
{
  char *resolved = realpath (path.c_str (), nullptr);
  if (!resolved)
    return "";
  std::string result = resolved;
  free (resolved);
  return result;
}

GBytes *
load_from_folder (const std::string &web_root, const std::string &rel)
{
  std::string root = real_path (web_root);
  if (root.empty ())
    return nullptr;
  g_autofree gchar *joined = g_build_filename (root.c_str (), rel.c_str (), nullptr);
  std::string file = real_path (joined);

  /* Refuse anything that resolves outside the root (e.g. via a symlink). */
  std::string prefix = root == "/" ? root : root + "/";
  if (file.empty () || file.compare (0, prefix.size (), prefix) != 0)
    return nullptr;
  if (!g_file_test (file.c_str (), G_FILE_TEST_IS_REGULAR))
    return nullptr;

  gchar *contents = nullptr;
  gsize length = 0;
  if (!g_file_get_contents (file.c_str (), &contents, &length, nullptr))
    return nullptr;
  return g_bytes_new_take (contents, length);
}

void
set_text_response (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, nullptr);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text,
      strlen (text));
}

} // namespace

const char *
content_type_for (const std::string &name)
{
  for (const auto &entry : CONTENT_TYPES) {
    size_t len = strlen (entry.extension);
    if (name.size () >= len && g_ascii_strcasecmp (name.c_str () + name.size () - len,
                                   entry.extension) == 0)
      return entry.type;
  }
  return "application/octet-stream";
}

void
serve (SoupServerMessage *msg, const char *path, const std::string &web_root)
{
  const char *method = soup_server_message_get_method (msg);
  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
        "GET, HEAD");
    set_text_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed\n");
    return;
  }

  std::string rel;
  GBytes *bytes = nullptr;
  if (relative_path (path, &rel))
    bytes = web_root.empty () ? load_from_resource (rel) : load_from_folder (web_root, rel);
  if (!bytes) {
    g_debug ("HTTP %s %s: not found", method, path);
    set_text_response (msg, SOUP_STATUS_NOT_FOUND, "Not found\n");
    return;
  }

  g_debug ("HTTP %s %s: %" G_GSIZE_FORMAT " bytes", method, path, g_bytes_get_size (bytes));
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Content-Type", content_type_for (rel));
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  g_bytes_unref (bytes);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, nullptr);
}

} // namespace gstsig::web
