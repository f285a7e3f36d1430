/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "signaller-slot.h"

#include "signallers/ws-signaller.h"

namespace gstsig {

namespace {

const char *const SLOT_KEY = "gstsig-signaller-slot";

SignallerSlot *
slot_of (GstChildProxy *proxy)
{
  return static_cast<SignallerSlot *> (g_object_get_data (G_OBJECT (proxy), SLOT_KEY));
}

GObject *
get_child_by_index (GstChildProxy *proxy, guint index)
{
  SignallerSlot *slot = slot_of (proxy);
  return index == 0 && slot ? G_OBJECT (slot->dup ()) : nullptr;
}

GObject *
get_child_by_name (GstChildProxy *proxy, const gchar *name)
{
  if (g_strcmp0 (name, "signaller") == 0)
    return get_child_by_index (proxy, 0);
  GstElement *child = gst_bin_get_by_name (GST_BIN (proxy), name);
  return child ? G_OBJECT (child) : nullptr;
}

guint
get_children_count (GstChildProxy *)
{
  return 1;
}

gchar *
uri_get_uri (GstURIHandler *handler)
{
  SignallerSlot *slot = slot_of (GST_CHILD_PROXY (handler));
  std::string uri = slot ? slot->uri () : "";
  return uri.empty () ? nullptr : g_strdup (uri.c_str ());
}

gboolean
uri_set_uri (GstURIHandler *handler, const gchar *uri, GError **error)
{
  SignallerSlot *slot = slot_of (GST_CHILD_PROXY (handler));
  slot->set_uri (uri);
  std::string uri_error = slot->uri_error ();
  if (!uri_error.empty ()) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s", uri_error.c_str ());
    return FALSE;
  }
  return TRUE;
}

} // namespace

SignallerSlot::SignallerSlot (GstObject *parent) : parent_ (parent)
{
  signaller_ = GST_SIG_SIGNALLER (g_object_new (GST_SIG_TYPE_WS_SIGNALLER, "name",
      "signaller", nullptr));
  gst_object_ref_sink (signaller_);
  gst_object_set_parent (GST_OBJECT (signaller_), parent_);
}

SignallerSlot::~SignallerSlot ()
{
  gst_object_unparent (GST_OBJECT (signaller_));
  gst_clear_object (&signaller_);
}

void
SignallerSlot::set_uri (const char *uri)
{
  GError *error = nullptr;
  GstSigSignaller *signaller = nullptr;
  if (uri && *uri) {
    signaller = gst_sig_signaller_new_for_uri (uri, &error);
    if (signaller)
      gst_object_set_name (GST_OBJECT (signaller), "signaller");
  }
  std::lock_guard<std::mutex> guard (lock_);
  uri_ = uri ? uri : "";
  uri_error_ = error ? error->message : "";
  g_clear_error (&error);
  if (signaller) {
    gst_object_unparent (GST_OBJECT (signaller_));
    gst_object_unref (signaller_);
    signaller_ = signaller;
    gst_object_set_parent (GST_OBJECT (signaller_), parent_);
  }
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
  return GST_SIG_SIGNALLER (gst_object_ref (signaller_));
}

unsigned
signaller_setup_timeout (GstSigSignaller *signaller, unsigned default_s)
{
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), "timeout");
  if (!spec || spec->value_type != G_TYPE_UINT)
    return default_s;
  guint timeout_s = 0;
  g_object_get (signaller, "timeout", &timeout_s, nullptr);
  return MAX (default_s, timeout_s + 30);
}

void
post_signaller_error (GstElement *element, const char *signaller_type, const GError *error,
    bool starting)
{
  GQuark domain = GST_RESOURCE_ERROR;
  gint code = starting ? GST_RESOURCE_ERROR_OPEN_READ_WRITE : GST_RESOURCE_ERROR_FAILED;
  if (error && error->domain == GST_RESOURCE_ERROR) {
    domain = error->domain;
    code = error->code;
  }
  GstStructure *details = gst_structure_new ("details",
      "error-domain", G_TYPE_STRING, error ? g_quark_to_string (error->domain) : "",
      "error-code", G_TYPE_INT, error ? error->code : 0, nullptr);
  gchar *debug = g_strdup_printf ("signaller %s", signaller_type);
  gst_element_message_full_with_details (element, GST_MESSAGE_ERROR, domain, code,
      g_strdup (error ? error->message : "The signaller failed."), debug, __FILE__, GST_FUNCTION,
      __LINE__, details);
}

void
signaller_slot_child_proxy_init (GstChildProxyInterface *iface)
{
  iface->get_child_by_index = get_child_by_index;
  iface->get_child_by_name = get_child_by_name;
  iface->get_children_count = get_children_count;
}

void
signaller_slot_uri_handler_init (GstURIHandlerInterface *iface)
{
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}

void
signaller_slot_attach (GObject *element, SignallerSlot *slot)
{
  g_object_set_data (element, SLOT_KEY, slot);
}

} // namespace gstsig
