/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* webrtcsend's inputs: request pads video_%u / audio_%u, each an
 * InputStream, and what happens when they end or are released. */
#include "webrtcsend-private.h"

#include <utility>

#define GST_CAT_DEFAULT gst_sig_send_debug

#define KEYFRAME_MERGE_WINDOW (300 * GST_MSECOND)
/* After the last input ended, how long the last media has to reach the
 * consumers before their sessions are ended. */
#define END_GRACE_MS 500

using gstsig::MediaKind;
using gstsig::SendSession;

namespace gstsig {

std::vector<InputStream *>
send_current_inputs (GstSigSend *self)
{
  std::lock_guard<std::mutex> guard (self->priv->lock);
  std::vector<gstsig::InputStream *> inputs;
  for (auto &input : self->priv->inputs)
    inputs.push_back (input.get ());
  return inputs;
}

/* Every input has reached EOS (and none flowed again since). */
bool
send_all_inputs_ended (GstSigSend *self)
{
  auto inputs = send_current_inputs (self);
  for (auto input : inputs)
    if (!input->ended ())
      return false;
  return !inputs.empty ();
}

} // namespace gstsig

/* Control thread: an input ended. Once all have, the consumers see the
 * stream end (their sessions end) and the element posts EOS. */
static void
on_input_ended (GstSigSend *self, guint32 seqnum)
{
  auto priv = self->priv;
  if (!gstsig::send_all_inputs_ended (self))
    return;
  if (priv->ended || priv->end_timer)
    return;
  GST_INFO_OBJECT (self, "Every input has ended; ending the sessions in %d ms", END_GRACE_MS);
  priv->end_timer = priv->sessions->control ().timeout (END_GRACE_MS, [self, seqnum] () {
    auto priv = self->priv;
    priv->end_timer = 0;
    if (!gstsig::send_all_inputs_ended (self))
      return false; /* a seek brought them back within the grace time */
    priv->ended = true;
    std::vector<std::string> ids;
    priv->sessions->for_each ([&ids] (SendSession &s) { ids.push_back (s.id ()); });
    for (const auto &id : ids)
      priv->sessions->end (id, GST_SIG_SESSION_END_END_OF_STREAM, "end of stream");
    GstMessage *eos = gst_message_new_eos (GST_OBJECT (self));
    if (seqnum != GST_SEQNUM_INVALID)
      gst_message_set_seqnum (eos, seqnum);
    gst_element_post_message (GST_ELEMENT (self), eos);
    return false;
  });
}

GstPad *
gstsig::send_request_new_pad (GstElement *element, GstPadTemplate *templ, const gchar *name,
    const GstCaps *caps)
{
  auto self = GST_SIG_SEND (element);
  auto priv = self->priv;
  bool video = g_str_has_prefix (GST_PAD_TEMPLATE_NAME_TEMPLATE (templ), "video");
  const char *prefix = video ? "video" : "audio";
  std::string pad_name;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    for (unsigned i = 0; pad_name.empty (); i++) {
      std::string candidate = std::string (prefix) + "_" + std::to_string (i);
      bool used = false;
      for (auto &input : priv->inputs)
        used = used || input->name () == candidate;
      if (!used && (!name || candidate == name))
        pad_name = candidate;
      if (i > 1000)
        return nullptr;
    }
  }
  gstsig::InputStream *input = nullptr;
  priv->sessions->control ().invoke_sync ([&] () {
    input = new gstsig::InputStream (GST_BIN (self), video ? MediaKind::Video : MediaKind::Audio,
        pad_name, &priv->sessions->control (), KEYFRAME_MERGE_WINDOW);
  });
  input->set_eos_handler ([self] () {
    self->priv->sessions->control ().invoke ([self] () { on_input_ended (self, GST_SEQNUM_INVALID); });
  });
  GstPad *ghost = gst_ghost_pad_new_from_template (pad_name.c_str (), input->sink_pad (), templ);
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    priv->inputs.emplace_back (input);
  }
  if (GST_STATE (element) > GST_STATE_NULL)
    gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (element, ghost);
  GST_DEBUG_OBJECT (self, "New input %s", pad_name.c_str ());
  return ghost;
}

void
gstsig::send_release_pad (GstElement *element, GstPad *pad)
{
  auto self = GST_SIG_SEND (element);
  auto priv = self->priv;
  std::unique_ptr<gstsig::InputStream> input;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    for (auto it = priv->inputs.begin (); it != priv->inputs.end (); ++it) {
      if ((*it)->name () == GST_PAD_NAME (pad)) {
        input = std::move (*it);
        priv->inputs.erase (it);
        break;
      }
    }
  }
  gst_element_remove_pad (element, pad);
  if (input)
    priv->sessions->control ().invoke_sync ([priv, &input] () {
      /* Sessions send every input they were made with (no renegotiation):
       * the ones using this input end first, so none keeps a pointer to it. */
      std::vector<std::string> ids;
      priv->sessions->for_each ([&ids, &input] (SendSession &s) {
        if (s.uses (input.get ()))
          ids.push_back (s.id ());
      });
      for (const auto &id : ids)
        priv->sessions->end (id, GST_SIG_SESSION_END_INPUT_RELEASED,
            "its input " + input->name () + " was released");
      input->remove_from_bin ();
      input.reset ();
    });
}

