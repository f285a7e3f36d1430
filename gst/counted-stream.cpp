/* gst-webrtcsignal: the GObject glue of counted-stream.h: an input stream,
 * an output stream and the GIOStream pairing them, each forwarding to the
 * base connection's own streams.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "counted-stream.h"


using gstsig::StreamCounters;

namespace {

/* Each of the three objects holds its own reference to the counters:
 * libsoup may keep a half alive after the pair is gone. */
using CountersRef = std::shared_ptr<StreamCounters>;

gsize
clamp_to_limit (StreamCounters &c, gsize count, GError **error)
{
  guint64 read = c.read, limit = c.read_limit;
  if (read >= limit) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
        c.read_limit_reason.empty () ? "read limit reached" : c.read_limit_reason.c_str ());
    return 0;
  }
  return (gsize) MIN ((guint64) count, limit - read);
}

void
count_read (StreamCounters &c, gssize n)
{
  if (n > 0) {
    c.read += (guint64) n;
    c.last_read_us = g_get_monotonic_time ();
  }
}

} // namespace

/* ---- the input half ------------------------------------------------ */

G_BEGIN_DECLS
#define GST_SIG_TYPE_COUNTED_INPUT (gst_sig_counted_input_get_type ())
G_DECLARE_FINAL_TYPE (GstSigCountedInput, gst_sig_counted_input, GST_SIG, COUNTED_INPUT,
    GInputStream)
#define GST_SIG_TYPE_COUNTED_OUTPUT (gst_sig_counted_output_get_type ())
G_DECLARE_FINAL_TYPE (GstSigCountedOutput, gst_sig_counted_output, GST_SIG, COUNTED_OUTPUT,
    GOutputStream)
#define GST_SIG_TYPE_COUNTED_STREAM (gst_sig_counted_stream_get_type ())
G_DECLARE_FINAL_TYPE (GstSigCountedStream, gst_sig_counted_stream, GST_SIG, COUNTED_STREAM,
    GIOStream)
G_END_DECLS

struct _GstSigCountedInput {
  GInputStream parent;
  GInputStream *base;   /* owned */
  CountersRef *counters; /* owned */
};

static void counted_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (GstSigCountedInput, gst_sig_counted_input, G_TYPE_INPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM, counted_input_pollable_init))

static gssize
counted_input_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
    GError **error)
{
  auto self = GST_SIG_COUNTED_INPUT (stream);
  StreamCounters &c = **self->counters;
  count = clamp_to_limit (c, count, error);
  if (count == 0)
    return -1;
  gssize n = g_input_stream_read (self->base, buffer, count, cancellable, error);
  count_read (c, n);
  return n;
}

static gssize
counted_input_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count,
    GError **error)
{
  auto self = GST_SIG_COUNTED_INPUT (stream);
  StreamCounters &c = **self->counters;
  count = clamp_to_limit (c, count, error);
  if (count == 0)
    return -1;
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base),
      buffer, count, nullptr, error);
  count_read (c, n);
  return n;
}

static gboolean
counted_input_can_poll (GPollableInputStream *stream)
{
  auto base = GST_SIG_COUNTED_INPUT (stream)->base;
  return G_IS_POLLABLE_INPUT_STREAM (base)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
counted_input_is_readable (GPollableInputStream *stream)
{
  return g_pollable_input_stream_is_readable (
      G_POLLABLE_INPUT_STREAM (GST_SIG_COUNTED_INPUT (stream)->base));
}

static GSource *
counted_input_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  auto base = G_POLLABLE_INPUT_STREAM (GST_SIG_COUNTED_INPUT (stream)->base);
  GSource *base_source = g_pollable_input_stream_create_source (base, nullptr);
  GSource *source = g_pollable_source_new_full (stream, base_source, cancellable);
  g_source_unref (base_source);
  return source;
}

static void
counted_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = counted_input_can_poll;
  iface->is_readable = counted_input_is_readable;
  iface->create_source = counted_input_create_source;
  iface->read_nonblocking = counted_input_read_nonblocking;
}

static gboolean
counted_input_close (GInputStream *, GCancellable *, GError **)
{
  return TRUE; /* the GIOStream closes the base connection */
}

static void
counted_input_finalize (GObject *object)
{
  auto self = GST_SIG_COUNTED_INPUT (object);
  g_clear_object (&self->base);
  delete self->counters;
  G_OBJECT_CLASS (gst_sig_counted_input_parent_class)->finalize (object);
}

static void
gst_sig_counted_input_class_init (GstSigCountedInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = counted_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = counted_input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = counted_input_close;
}

static void
gst_sig_counted_input_init (GstSigCountedInput *)
{
}

/* ---- the output half ----------------------------------------------- */

struct _GstSigCountedOutput {
  GOutputStream parent;
  GOutputStream *base;  /* owned */
  CountersRef *counters; /* owned */
};

static void counted_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (GstSigCountedOutput, gst_sig_counted_output, G_TYPE_OUTPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM, counted_output_pollable_init))

static gssize
counted_output_write (GOutputStream *stream, const void *buffer, gsize count,
    GCancellable *cancellable, GError **error)
{
  auto self = GST_SIG_COUNTED_OUTPUT (stream);
  gssize n = g_output_stream_write (self->base, buffer, count, cancellable, error);
  if (n > 0)
    (*self->counters)->written += (guint64) n;
  return n;
}

static gssize
counted_output_write_nonblocking (GPollableOutputStream *stream, const void *buffer, gsize count,
    GError **error)
{
  auto self = GST_SIG_COUNTED_OUTPUT (stream);
  gssize n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (self->base),
      buffer, count, nullptr, error);
  if (n > 0)
    (*self->counters)->written += (guint64) n;
  return n;
}

static gboolean
counted_output_flush (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return g_output_stream_flush (GST_SIG_COUNTED_OUTPUT (stream)->base, cancellable, error);
}

static gboolean
counted_output_can_poll (GPollableOutputStream *stream)
{
  auto base = GST_SIG_COUNTED_OUTPUT (stream)->base;
  return G_IS_POLLABLE_OUTPUT_STREAM (base)
      && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
counted_output_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (
      G_POLLABLE_OUTPUT_STREAM (GST_SIG_COUNTED_OUTPUT (stream)->base));
}

static GSource *
counted_output_create_source (GPollableOutputStream *stream, GCancellable *cancellable)
{
  auto base = G_POLLABLE_OUTPUT_STREAM (GST_SIG_COUNTED_OUTPUT (stream)->base);
  GSource *base_source = g_pollable_output_stream_create_source (base, nullptr);
  GSource *source = g_pollable_source_new_full (stream, base_source, cancellable);
  g_source_unref (base_source);
  return source;
}

static void
counted_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = counted_output_can_poll;
  iface->is_writable = counted_output_is_writable;
  iface->create_source = counted_output_create_source;
  iface->write_nonblocking = counted_output_write_nonblocking;
}

static gboolean
counted_output_close (GOutputStream *, GCancellable *, GError **)
{
  return TRUE;
}

static void
counted_output_finalize (GObject *object)
{
  auto self = GST_SIG_COUNTED_OUTPUT (object);
  g_clear_object (&self->base);
  delete self->counters;
  G_OBJECT_CLASS (gst_sig_counted_output_parent_class)->finalize (object);
}

static void
gst_sig_counted_output_class_init (GstSigCountedOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = counted_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = counted_output_write;
  G_OUTPUT_STREAM_CLASS (klass)->flush = counted_output_flush;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = counted_output_close;
}

static void
gst_sig_counted_output_init (GstSigCountedOutput *)
{
}

/* ---- the pair ------------------------------------------------------ */

struct _GstSigCountedStream {
  GIOStream parent;
  GIOStream *base;           /* owned */
  GstSigCountedInput *input; /* owned */
  GstSigCountedOutput *output; /* owned */
  CountersRef *counters;       /* owned */
};

G_DEFINE_TYPE (GstSigCountedStream, gst_sig_counted_stream, G_TYPE_IO_STREAM)

static GInputStream *
counted_stream_get_input (GIOStream *stream)
{
  return G_INPUT_STREAM (GST_SIG_COUNTED_STREAM (stream)->input);
}

static GOutputStream *
counted_stream_get_output (GIOStream *stream)
{
  return G_OUTPUT_STREAM (GST_SIG_COUNTED_STREAM (stream)->output);
}

static gboolean
counted_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  auto self = GST_SIG_COUNTED_STREAM (stream);
  (*self->counters)->closed = true;
  return g_io_stream_close (self->base, cancellable, error);
}

/* GIOStream's default close_async closes in a thread of GLib's pool; this
 * one marks the stream closed on the caller's thread and lets the base
 * close as it does asynchronously (a socket at once, without a thread). */
static void
counted_stream_base_closed (GObject *base, GAsyncResult *result, gpointer data)
{
  GTask *task = G_TASK (data);
  GError *error = nullptr;
  if (g_io_stream_close_finish (G_IO_STREAM (base), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
counted_stream_close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer data)
{
  auto self = GST_SIG_COUNTED_STREAM (stream);
  (*self->counters)->closed = true;
  GTask *task = g_task_new (stream, cancellable, callback, data);
  g_io_stream_close_async (self->base, io_priority, cancellable, counted_stream_base_closed, task);
}

static gboolean
counted_stream_close_finish (GIOStream *, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
counted_stream_finalize (GObject *object)
{
  auto self = GST_SIG_COUNTED_STREAM (object);
  (*self->counters)->closed = true;
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->base);
  delete self->counters;
  G_OBJECT_CLASS (gst_sig_counted_stream_parent_class)->finalize (object);
}

static void
gst_sig_counted_stream_class_init (GstSigCountedStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = counted_stream_finalize;
  G_IO_STREAM_CLASS (klass)->get_input_stream = counted_stream_get_input;
  G_IO_STREAM_CLASS (klass)->get_output_stream = counted_stream_get_output;
  G_IO_STREAM_CLASS (klass)->close_fn = counted_stream_close;
  G_IO_STREAM_CLASS (klass)->close_async = counted_stream_close_async;
  G_IO_STREAM_CLASS (klass)->close_finish = counted_stream_close_finish;
}

static void
gst_sig_counted_stream_init (GstSigCountedStream *)
{
}

namespace gstsig {

GIOStream *
counted_stream_new (GIOStream *base, std::shared_ptr<StreamCounters> counters)
{
  auto self = GST_SIG_COUNTED_STREAM (g_object_new (GST_SIG_TYPE_COUNTED_STREAM, nullptr));
  self->base = G_IO_STREAM (g_object_ref (base));
  self->counters = new CountersRef (counters);

  self->input = GST_SIG_COUNTED_INPUT (g_object_new (GST_SIG_TYPE_COUNTED_INPUT, nullptr));
  self->input->base = G_INPUT_STREAM (g_object_ref (g_io_stream_get_input_stream (base)));
  self->input->counters = new CountersRef (counters);
  self->output = GST_SIG_COUNTED_OUTPUT (g_object_new (GST_SIG_TYPE_COUNTED_OUTPUT, nullptr));
  self->output->base = G_OUTPUT_STREAM (g_object_ref (g_io_stream_get_output_stream (base)));
  self->output->counters = new CountersRef (std::move (counters));
  return G_IO_STREAM (self);
}

} // namespace gstsig
