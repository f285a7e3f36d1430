/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "manual-token.h"

#include "json-limits.h"
#include "sdp-utils.h"

#include <json-glib/json-glib.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace gstsig::manual {

namespace {

/* A pasted token inflates to far less; this guards against deflate bombs. */
constexpr size_t MAX_INFLATED = 1024 * 1024;

std::string
trim (const std::string &text)
{
  const char *space = " \t\r\n\v\f";
  size_t begin = text.find_first_not_of (space);
  if (begin == std::string::npos)
    return "";
  size_t end = text.find_last_not_of (space);
  return text.substr (begin, end - begin + 1);
}

std::string
strip_space (const std::string &text)
{
  std::string out;
  out.reserve (text.size ());
  for (char c : text)
    if (!g_ascii_isspace (c))
      out += c;
  return out;
}

const char *
type_name (GstWebRTCSDPType type)
{
  return type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer"
      : type == GST_WEBRTC_SDP_TYPE_ANSWER ? "answer" : "description";
}

std::string
to_json (GstWebRTCSDPType type, const std::string &sdp)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type_name (type));
  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, sdp.c_str ());
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = json_to_string (root, FALSE);
  return text;
}

std::string
base64 (const std::string &data)
{
  g_autofree gchar *text = g_base64_encode ((const guchar *) data.data (), data.size ());
  return text;
}

bool
is_base64 (const std::string &text, bool url)
{
  if (text.empty ())
    return false;
  size_t end = text.find_last_not_of ('=');
  if (end == std::string::npos || text.size () - end - 1 > 2)
    return false;
  for (size_t i = 0; i <= end; i++) {
    char c = text[i];
    bool ok = g_ascii_isalnum (c) || (url ? (c == '-' || c == '_') : (c == '+' || c == '/'));
    if (!ok)
      return false;
  }
  return true;
}

std::string
unbase64 (std::string text, bool url)
{
  if (url) {
    std::replace (text.begin (), text.end (), '-', '+');
    std::replace (text.begin (), text.end (), '_', '/');
    while (text.size () % 4)
      text += '=';
  }
  gsize size = 0;
  g_autofree guchar *data = g_base64_decode (text.c_str (), &size);
  return std::string ((const char *) data, size);
}

std::optional<std::string>
deflate_raw (const std::string &data)
{
  z_stream zs;
  memset (&zs, 0, sizeof (zs));
  if (deflateInit2 (&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out (deflateBound (&zs, data.size ()), '\0');
  zs.next_in = (Bytef *) data.data ();
  zs.avail_in = data.size ();
  zs.next_out = (Bytef *) &out[0];
  zs.avail_out = out.size ();
  int ret = deflate (&zs, Z_FINISH);
  out.resize (zs.total_out);
  deflateEnd (&zs);
  if (ret != Z_STREAM_END)
    return std::nullopt;
  return out;
}

std::optional<std::string>
inflate_raw (const std::string &data)
{
  z_stream zs;
  memset (&zs, 0, sizeof (zs));
  if (inflateInit2 (&zs, -15) != Z_OK)
    return std::nullopt;
  zs.next_in = (Bytef *) data.data ();
  zs.avail_in = data.size ();
  std::string out;
  char chunk[16384];
  int ret;
  do {
    zs.next_out = (Bytef *) chunk;
    zs.avail_out = sizeof (chunk);
    ret = inflate (&zs, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END)
      break;
    out.append (chunk, sizeof (chunk) - zs.avail_out);
  } while (ret != Z_STREAM_END && out.size () <= MAX_INFLATED &&
      (zs.avail_in > 0 || zs.avail_out == 0));
  inflateEnd (&zs);
  if (ret != Z_STREAM_END)
    return std::nullopt;
  return out;
}

/* The string member name of object, or nullptr when it is absent or not a
 * string (json_object_get_string_member_with_default is critical on an
 * object or array). */
const char *
string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return nullptr;
  return json_node_get_string (node);
}

std::optional<Token>
from_json (const std::string &text, TokenFormat format, std::string *error)
{
  std::string limit_error;
  if (!json_within_limits (text, JsonLimits (), &limit_error)) {
    *error = "its JSON is refused: " + limit_error;
    return std::nullopt;
  }
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text.data (), text.size (), nullptr)) {
    *error = "it looks like JSON but does not parse (was it cut short?)";
    return std::nullopt;
  }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    *error = "the JSON is not an object {\"type\":...,\"sdp\":...}";
    return std::nullopt;
  }
  JsonObject *object = json_node_get_object (root);
  const char *type = string_member (object, "type");
  const char *sdp = string_member (object, "sdp");
  if (!type || !sdp) {
    *error = "the JSON lacks the \"type\" or \"sdp\" string";
    return std::nullopt;
  }
  Token token;
  token.format = format;
  token.sdp = sdp;
  if (g_str_equal (type, "offer"))
    token.type = GST_WEBRTC_SDP_TYPE_OFFER;
  else if (g_str_equal (type, "answer"))
    token.type = GST_WEBRTC_SDP_TYPE_ANSWER;
  else {
    *error = std::string ("its type is \"") + type + "\", not \"offer\" or \"answer\"";
    return std::nullopt;
  }
  return token;
}

bool
has_attribute (const GstSDPMedia *media, const char *key)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, i)->key, key) == 0)
      return true;
  return false;
}

} // namespace

std::string
encode_token (GstWebRTCSDPType type, const std::string &sdp, bool compress)
{
  std::string json = to_json (type, sdp);
  if (!compress)
    return base64 (json);
  auto packed = deflate_raw (json);
  if (!packed)
    return base64 (json);
  std::string text = base64 (*packed);
  std::replace (text.begin (), text.end (), '+', '-');
  std::replace (text.begin (), text.end (), '/', '_');
  text.erase (text.find_last_not_of ('=') + 1);
  return COMPRESSED_PREFIX + text;
}

std::optional<Token>
decode_token (const std::string &input, std::string *error)
{
  std::string text = trim (input);
  std::string ignored;
  if (!error)
    error = &ignored;
  if (text.empty ()) {
    *error = "the token is empty";
    return std::nullopt;
  }
  if (g_str_has_prefix (text.c_str (), "v=0")) {
    Token token;
    token.format = TokenFormat::RAW_SDP;
    token.sdp = text + "\r\n";
    return token;
  }
  if (text[0] == '{')
    return from_json (text, TokenFormat::JSON, error);
  if (g_str_has_prefix (text.c_str (), COMPRESSED_PREFIX)) {
    std::string body = strip_space (text.substr (strlen (COMPRESSED_PREFIX)));
    if (!is_base64 (body, true)) {
      *error = "it starts with \"z:\" but the rest is not base64url";
      return std::nullopt;
    }
    auto json = inflate_raw (unbase64 (body, true));
    if (!json) {
      *error = "it starts with \"z:\" but does not inflate (was it cut short?)";
      return std::nullopt;
    }
    return from_json (*json, TokenFormat::COMPRESSED, error);
  }
  std::string body = strip_space (text);
  if (!is_base64 (body, false)) {
    *error = "it is neither SDP (v=0...), JSON ({...}), base64 nor a \"z:\" compressed token";
    return std::nullopt;
  }
  std::string json = unbase64 (body, false);
  if (json.empty () || json[0] != '{') {
    *error = "it is base64, but not of a JSON {\"type\":...,\"sdp\":...} (was it cut short?)";
    return std::nullopt;
  }
  return from_json (json, TokenFormat::BASE64_JSON, error);
}

bool
parse_description (const std::string &text, GstWebRTCSDPType expected_type,
    GstWebRTCSessionDescription **desc, std::string *error)
{
  *desc = nullptr;
  auto token = decode_token (text, error);
  if (!token)
    return false;
  GstWebRTCSDPType type = token->type.value_or (expected_type);
  if (type != expected_type) {
    *error = std::string ("it is an ") + type_name (type) + ", but an " +
        type_name (expected_type) + " is expected here (did you paste our own token back?)";
    return false;
  }
  std::string sdp_error;
  GstWebRTCSessionDescription *parsed =
      gstsig::session_description_from_text (type, token->sdp, &sdp_error);
  if (!parsed) {
    *error = "its SDP does not parse: " + sdp_error;
    return false;
  }
  if (gst_sdp_message_medias_len (parsed->sdp) == 0) {
    gst_webrtc_session_description_free (parsed);
    *error = "its SDP has no media section (m=)";
    return false;
  }
  *desc = parsed;
  return true;
}

std::string
merge_candidates (const std::string &sdp, const std::vector<Candidate> &candidates,
    std::string *error)
{
  GstSDPMessage *msg = nullptr;
  /* (GstSDP is critical about empty text.) */
  if (sdp.empty () || gst_sdp_message_new_from_text (sdp.c_str (), &msg) != GST_SDP_OK || !msg) {
    if (msg)
      gst_sdp_message_free (msg);
    *error = "the SDP does not parse";
    return sdp;
  }
  guint n = gst_sdp_message_medias_len (msg);
  if (n == 0) {
    gst_sdp_message_free (msg);
    *error = "the SDP has no media section";
    return sdp;
  }
  std::vector<bool> has_candidates (n, false);
  for (guint i = 0; i < n; i++) {
    auto media = gst_sdp_message_get_media (msg, i);
    has_candidates[i] = gst_sdp_media_get_attribute_val (media, "candidate") != nullptr;
  }
  for (const auto &c : candidates) {
    std::string value = c.candidate;
    if (g_str_has_prefix (value.c_str (), "a="))
      value = value.substr (2);
    if (g_str_has_prefix (value.c_str (), "candidate:"))
      value = value.substr (strlen ("candidate:"));
    if (value.empty ())
      continue;
    guint index = MIN (c.mline, n - 1);
    auto media = (GstSDPMedia *) gst_sdp_message_get_media (msg, index);
    bool present = false;
    for (guint k = 0; const gchar *v = gst_sdp_media_get_attribute_val_n (media, "candidate", k);
         k++)
      present = present || value == v;
    if (!present)
      gst_sdp_media_add_attribute (media, "candidate", value.c_str ());
    has_candidates[index] = true;
  }
  if (std::find (has_candidates.begin (), has_candidates.end (), true) == has_candidates.end ())
    has_candidates[0] = true;
  for (guint i = 0; i < n; i++) {
    auto media = (GstSDPMedia *) gst_sdp_message_get_media (msg, i);
    if (has_candidates[i] && !has_attribute (media, "end-of-candidates"))
      gst_sdp_media_add_attribute (media, "end-of-candidates", nullptr);
  }
  g_autofree gchar *text = gst_sdp_message_as_text (msg);
  gst_sdp_message_free (msg);
  return text;
}

} // namespace gstsig::manual
