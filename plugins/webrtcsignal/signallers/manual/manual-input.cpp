/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manual signaller, on its worker thread: the other side's token as it
 * comes in (stdin, with raw SDP over several lines; DIR/offer.txt or
 * DIR/answer.txt; the "paste" signal), checked and handed to the element,
 * and the wait for it. */
#include "manual-signaller-private.h"

#include "signaller.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <string>
#include <unistd.h>
#include <utility>

#define GST_CAT_DEFAULT manual_signaller_debug

static void
tell_user_where_to_paste (GstSigManualSignaller *self, GstWebRTCSDPType type)
{
  auto priv = self->priv;
  if (!priv->run_directory.empty ())
    g_printerr ("webrtc manual: waiting for the %s in %s\n", type_name (type),
        file_for (self, type).c_str ());
  else if (priv->run_stdio)
    g_printerr ("webrtc manual: paste the %s token and press Enter:\n", type_name (type));
}

void
wait_for (GstSigManualSignaller *self, Stage stage)
{
  auto priv = self->priv;
  priv->stage = stage;
  GstWebRTCSDPType type = stage == Stage::WAIT_OFFER ? GST_WEBRTC_SDP_TYPE_OFFER
      : GST_WEBRTC_SDP_TYPE_ANSWER;
  tell_user_where_to_paste (self, type);
  priv->worker.cancel (priv->deadline_source);
  guint timeout_s = priv->run_timeout_s;
  priv->deadline_source = priv->worker.timeout (timeout_s * 1000, [self, type, timeout_s] () {
    self->priv->deadline_source = 0;
    fail (self, g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "No %s token arrived within %u s. Paste it sooner, or raise the signaller's "
        "\"timeout\" property (?timeout=SECONDS in the URI).", type_name (type), timeout_s));
    return false;
  });
}

/* A pasted or read token. Returns whether it was taken. */
bool
handle_input (GstSigManualSignaller *self, const std::string &text)
{
  auto priv = self->priv;
  if (priv->stage != Stage::WAIT_OFFER && priv->stage != Stage::WAIT_ANSWER) {
    GST_DEBUG_OBJECT (self, "Ignoring input (%zu bytes): not waiting for a token",
        text.size ());
    return false;
  }
  GstWebRTCSDPType expected = priv->stage == Stage::WAIT_OFFER ? GST_WEBRTC_SDP_TYPE_OFFER
      : GST_WEBRTC_SDP_TYPE_ANSWER;
  GstWebRTCSessionDescription *desc = nullptr;
  std::string error;
  if (!manual::parse_description (text, expected, &desc, &error)) {
    GST_INFO_OBJECT (self, "Rejected a pasted %s (%zu bytes): %s", type_name (expected),
        text.size (), error.c_str ());
    g_printerr ("webrtc manual: that is not a usable %s token: %s.\n", type_name (expected),
        error.c_str ());
    tell_user_where_to_paste (self, expected);
    return false;
  }
  priv->worker.cancel (priv->deadline_source);
  priv->deadline_source = 0;
  store_token (self, expected, text);
  GST_INFO_OBJECT (self, "Got the remote %s", type_name (expected));
  g_printerr ("webrtc manual: got the %s.\n", type_name (expected));
  auto signaller = GST_SIG_SIGNALLER (self);
  if (expected == GST_WEBRTC_SDP_TYPE_ANSWER) {
    priv->stage = Stage::DONE;
    gst_sig_signaller_emit_session_description (signaller, SESSION_ID, desc);
  } else {
    priv->stage = Stage::GATHERING;
    if (priv->run_consumer) {
      gst_sig_signaller_emit_session_started (signaller, SESSION_ID, PEER_ID);
      gst_sig_signaller_emit_session_description (signaller, SESSION_ID, desc);
    } else {
      gst_sig_signaller_emit_session_requested (signaller, SESSION_ID, PEER_ID, desc);
    }
  }
  gst_webrtc_session_description_free (desc);
  return true;
}

/* Reads the expected file when it appears or changes. */
bool
poll_file (GstSigManualSignaller *self)
{
  auto priv = self->priv;
  if (priv->stage != Stage::WAIT_OFFER && priv->stage != Stage::WAIT_ANSWER)
    return true;
  std::string path = file_for (self, priv->stage == Stage::WAIT_OFFER
      ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER);
  gchar *contents = nullptr;
  gsize size = 0;
  if (!g_file_get_contents (path.c_str (), &contents, &size, nullptr))
    return true;
  std::string text (contents, size);
  g_free (contents);
  if (text.empty () || text == priv->last_bad_file)
    return true;
  /* A writer that does not rename may still be writing: wait for a newline. */
  if (text.back () != '\n' && text.back () != '\r')
    return true;
  if (handle_input (self, text)) {
    priv->last_bad_file.clear ();
    g_unlink (path.c_str ());  /* consumed: a stale token is never read twice */
  } else {
    priv->last_bad_file = text;
  }
  return true;
}

static void
handle_stdin_line (GstSigManualSignaller *self, std::string line)
{
  auto priv = self->priv;
  while (!line.empty () && (line.back () == '\r' || line.back () == '\n'))
    line.pop_back ();
  bool blank = line.find_first_not_of (" \t") == std::string::npos;
  /* Raw SDP spans lines: collect them until a blank line. */
  if (!priv->raw_sdp.empty ()) {
    if (!blank) {
      priv->raw_sdp += line + "\r\n";
      return;
    }
    handle_input (self, std::exchange (priv->raw_sdp, std::string ()));
    return;
  }
  if (blank)
    return;
  if (g_str_has_prefix (line.c_str () + line.find_first_not_of (" \t"), "v=0")) {
    priv->raw_sdp = line + "\r\n";
    g_printerr ("webrtc manual: raw SDP: end it with an empty line.\n");
    return;
  }
  handle_input (self, line);
}

gboolean
on_stdin (gint fd, GIOCondition condition, gpointer user_data)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (user_data);
  auto priv = self->priv;
  char buf[8192];
  ssize_t n = read (fd, buf, sizeof (buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n > 0) {
    priv->stdin_buffer.append (buf, n);
    size_t eol;
    while ((eol = priv->stdin_buffer.find ('\n')) != std::string::npos) {
      std::string line = priv->stdin_buffer.substr (0, eol);
      priv->stdin_buffer.erase (0, eol + 1);
      handle_stdin_line (self, line);
    }
    return G_SOURCE_CONTINUE;
  }
  /* End of input: what is left is the last line. */
  if (!priv->stdin_buffer.empty ())
    handle_stdin_line (self, std::exchange (priv->stdin_buffer, std::string ()));
  if (!priv->raw_sdp.empty ())
    handle_stdin_line (self, "");
  if (priv->stage == Stage::WAIT_OFFER || priv->stage == Stage::WAIT_ANSWER)
    g_printerr ("webrtc manual: standard input is closed; still waiting for the token "
        "(an application can give it with the \"paste\" signal).\n");
  g_source_unref (std::exchange (priv->stdin_source, nullptr));
  return G_SOURCE_REMOVE;
}
