/* gst-webrtcsignal: small RAII helpers for GLib/GStreamer objects in C++17.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <memory>
#include <utility>

namespace gstsig {

/* An owning reference to a GObject (or GstMiniObject-free GObject subclass). */
template <typename T> class Ref {
public:
  Ref () = default;
  Ref (std::nullptr_t) {}
  Ref (const Ref &other) : ptr_ (other.ptr_) { if (ptr_) g_object_ref (ptr_); }
  Ref (Ref &&other) noexcept : ptr_ (std::exchange (other.ptr_, nullptr)) {}
  ~Ref () { reset (); }

  Ref &operator= (const Ref &other) {
    if (this != &other) {
      Ref copy (other);
      std::swap (ptr_, copy.ptr_);
    }
    return *this;
  }
  Ref &operator= (Ref &&other) noexcept {
    if (this != &other) {
      reset ();
      ptr_ = std::exchange (other.ptr_, nullptr);
    }
    return *this;
  }

  /* Takes over a reference the caller owns (transfer full). */
  static Ref adopt (T *ptr) { Ref r; r.ptr_ = ptr; return r; }
  /* Takes a new reference (transfer none). Sinks floating references. */
  static Ref ref (T *ptr) { Ref r; r.ptr_ = ptr ? (T *) g_object_ref_sink (ptr) : nullptr; return r; }

  T *get () const { return ptr_; }
  T *operator-> () const { return ptr_; }
  explicit operator bool () const { return ptr_ != nullptr; }
  /* Gives up ownership (transfer full to the caller). */
  T *release () { return std::exchange (ptr_, nullptr); }
  void reset () { if (ptr_) g_object_unref (std::exchange (ptr_, nullptr)); }

private:
  T *ptr_ = nullptr;
};

template <typename T> Ref<T> adopt (T *ptr) { return Ref<T>::adopt (ptr); }
template <typename T> Ref<T> ref (T *ptr) { return Ref<T>::ref (ptr); }

struct GFreeDeleter { void operator() (gpointer p) const { g_free (p); } };
struct GErrorDeleter { void operator() (GError *e) const { g_error_free (e); } };
struct StructureDeleter { void operator() (GstStructure *s) const { gst_structure_free (s); } };
struct SdpMessageDeleter { void operator() (GstSDPMessage *m) const { gst_sdp_message_free (m); } };
struct CapsDeleter { void operator() (GstCaps *c) const { gst_caps_unref (c); } };

using UniqueChars = std::unique_ptr<gchar, GFreeDeleter>;
using UniqueError = std::unique_ptr<GError, GErrorDeleter>;
using UniqueStructure = std::unique_ptr<GstStructure, StructureDeleter>;
using UniqueSdpMessage = std::unique_ptr<GstSDPMessage, SdpMessageDeleter>;
using UniqueCaps = std::unique_ptr<GstCaps, CapsDeleter>;

/* Scoped GST_OBJECT_LOCK (the 1.28 macro is not in 1.22). */
class ObjectLock {
public:
  explicit ObjectLock (gpointer object) : object_ (GST_OBJECT (object)) { GST_OBJECT_LOCK (object_); }
  ~ObjectLock () { GST_OBJECT_UNLOCK (object_); }
  ObjectLock (const ObjectLock &) = delete;
  ObjectLock &operator= (const ObjectLock &) = delete;
private:
  GstObject *object_;
};

/* A signal handler that disconnects itself when destroyed. Holds a weak
 * reference, so it is harmless if the instance goes away first. */
class SignalConnection {
public:
  SignalConnection () = default;
  SignalConnection (gpointer instance, const char *signal, GCallback cb, gpointer data)
  {
    id_ = g_signal_connect (instance, signal, cb, data);
    g_weak_ref_init (&instance_, instance);
  }
  SignalConnection (SignalConnection &&o) noexcept { *this = std::move (o); }
  SignalConnection &operator= (SignalConnection &&o) noexcept
  {
    if (this != &o) {
      disconnect ();
      gpointer inst = g_weak_ref_get (&o.instance_);
      g_weak_ref_init (&instance_, inst);
      if (inst) g_object_unref (inst);
      id_ = std::exchange (o.id_, 0);
      o.disconnect ();
    }
    return *this;
  }
  SignalConnection (const SignalConnection &) = delete;
  SignalConnection &operator= (const SignalConnection &) = delete;
  ~SignalConnection () { disconnect (); g_weak_ref_clear (&instance_); }

  void disconnect ()
  {
    gpointer inst = g_weak_ref_get (&instance_);
    if (inst) {
      if (id_) g_signal_handler_disconnect (inst, id_);
      g_object_unref (inst);
    }
    id_ = 0;
    g_weak_ref_set (&instance_, nullptr);
  }

private:
  GWeakRef instance_ {};
  gulong id_ = 0;
};

} // namespace gstsig
