/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "signaller-slot.h"

#include "signallers/ws/ws-signaller.h"

#include <utility>

namespace gstsig {

namespace {

/* A GstObject signaller is the element's child (named "signaller"), so it
 * can post messages through it; a plain GObject signaller is just held. */
void
adopt (GstSigSignaller *signaller, GstObject *parent)
{
  if (!GST_IS_OBJECT (signaller))
    return;
  gst_object_set_name (GST_OBJECT (signaller), "signaller");
  gst_object_set_parent (GST_OBJECT (signaller), parent);
}

void
release (GstSigSignaller *signaller)
{
  if (GST_IS_OBJECT (signaller))
    gst_object_unparent (GST_OBJECT (signaller));
  g_object_unref (signaller);
}

} // namespace

SignallerSlot::SignallerSlot (GstObject *parent) : parent_ (parent)
{
  signaller_ = GST_SIG_SIGNALLER (g_object_new (GST_SIG_TYPE_WS_SIGNALLER, nullptr));
  gst_object_ref_sink (signaller_);
  adopt (signaller_, parent_);
}

SignallerSlot::~SignallerSlot ()
{
  release (std::exchange (signaller_, nullptr));
}

void
SignallerSlot::set_uri (const char *uri)
{
  GError *error = nullptr;
  GstSigSignaller *signaller = nullptr;
  if (uri && *uri)
    signaller = gst_sig_signaller_new_for_uri (uri, &error);
  GstSigSignaller *old = nullptr;
  {
    std::lock_guard<std::mutex> guard (lock_);
    uri_ = uri ? uri : "";
    uri_error_ = error ? error->message : "";
    if (signaller) {
      old = signaller_;
      signaller_ = signaller;
      adopt (signaller_, parent_);
    }
  }
  g_clear_error (&error);
  if (old)
    release (old);
}

std::string
SignallerSlot::uri () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return uri_;
}

std::string
SignallerSlot::uri_error () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return uri_error_;
}

GstSigSignaller *
SignallerSlot::dup () const
{
  std::lock_guard<std::mutex> guard (lock_);
  return GST_SIG_SIGNALLER (g_object_ref (signaller_));
}

namespace {

void
post_signaller_message (GstElement *element, GstMessageType type, const char *signaller_type,
    const GError *error, gint default_code, const char *default_text)
{
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = default_code;
  if (error && error->domain == GST_RESOURCE_ERROR) {
    domain = error->domain;
    code = error->code;
  }
  GstStructure *details = gst_structure_new ("details",
      "error-domain", G_TYPE_STRING, error ? g_quark_to_string (error->domain) : "",
      "error-code", G_TYPE_INT, error ? error->code : 0, nullptr);
  gchar *debug = g_strdup_printf ("signaller %s", signaller_type);
  gst_element_message_full_with_details (element, type, domain, code,
      g_strdup (error ? error->message : default_text), debug, __FILE__, GST_FUNCTION,
      __LINE__, details);
}

} // namespace

void
post_signaller_error (GstElement *element, const char *signaller_type, const GError *error,
    bool starting)
{
  post_signaller_message (element, GST_MESSAGE_ERROR, signaller_type, error,
      starting ? GST_RESOURCE_ERROR_OPEN_READ_WRITE : GST_RESOURCE_ERROR_FAILED,
      "The signaller failed.");
}

void
post_signaller_warning (GstElement *element, const char *signaller_type, const GError *warning)
{
  post_signaller_message (element, GST_MESSAGE_WARNING, signaller_type, warning,
      GST_RESOURCE_ERROR_FAILED, "The signaller reports a problem.");
}

} // namespace gstsig
