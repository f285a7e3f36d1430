/* Linked into every test executable of the ThreadSanitizer build
 * (tests/meson.build), ahead of GLib and GStreamer, so that these
 * definitions are the ones every caller reaches, the plugin included.
 *
 * GLib and GStreamer are not instrumented, and they synchronise with futexes
 * and atomics that TSan cannot see. So when our code hands data to another
 * thread through them (a GSource attached to another thread's context, a
 * GstPromise answered on webrtcbin's thread), TSan sees our write on one
 * thread, our read on the other and no synchronisation in between, and
 * reports a race that is not there. Every ContextThread::invoke() is such a
 * hand-over.
 *
 * Rather than suppress those reports (the frames are ours, and a
 * suppression broad enough would hide real races too), this tells TSan
 * about the ordering GLib and GStreamer guarantee, at the API boundary:
 * - g_source_set_callback(): whatever the caller did before it happens
 *   before the callback runs and before its destroy notify runs;
 * - gst_promise_new_with_change_func(): whatever the creator did before it
 *   happens before the change function and the destroy notify run;
 * - gst_pad_add_probe(): the same for the probe callback (called on a
 *   streaming thread) and its destroy notify;
 * - g_signal_connect_data(): whatever the connecting thread did before it
 *   happens before the handler runs (on whichever thread emits) and before
 *   its data is destroyed;
 * - GMutex and GCond: a lock is a lock, as for pthread mutexes. This covers
 *   what GStreamer hands from thread to thread under its object, pad and
 *   queue locks (an element made on one thread and used on a streaming
 *   thread).
 * Each wrapper __tsan_release()s a token and registers the same callback
 * behind a trampoline that __tsan_acquire()s it first; the semantics of the
 * call do not change. Writes made after the hand-over are still checked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <glib.h>
#include <gst/gst.h>

void __tsan_acquire (void *addr);
void __tsan_release (void *addr);

static gpointer
real_symbol (const char *name)
{
  gpointer sym = dlsym (RTLD_NEXT, name);
  if (!sym)
    g_error ("tsan-glib-sync: %s not found", name);
  return sym;
}

/* The wrapped functions, looked up once. */
static GstPromise *(*real_promise_new_with_change_func) (GstPromiseChangeFunc, gpointer,
    GDestroyNotify);
static gulong (*real_pad_add_probe) (GstPad *, GstPadProbeType, GstPadProbeCallback, gpointer,
    GDestroyNotify);

static void (*real_mutex_lock) (GMutex *);
static gboolean (*real_mutex_trylock) (GMutex *);
static void (*real_mutex_unlock) (GMutex *);
static void (*real_cond_wait) (GCond *, GMutex *);
static gboolean (*real_cond_wait_until) (GCond *, GMutex *, gint64);

/* Runs when the library loads, before any thread exists; GObject's own
 * constructor may lock a GMutex before that, hence the calls below. */
__attribute__ ((constructor)) static void
look_up_real_functions (void)
{
  if (real_cond_wait_until)
    return;
  real_promise_new_with_change_func = real_symbol ("gst_promise_new_with_change_func");
  real_pad_add_probe = real_symbol ("gst_pad_add_probe");
  real_mutex_lock = real_symbol ("g_mutex_lock");
  real_mutex_trylock = real_symbol ("g_mutex_trylock");
  real_mutex_unlock = real_symbol ("g_mutex_unlock");
  real_cond_wait = real_symbol ("g_cond_wait");
  real_cond_wait_until = real_symbol ("g_cond_wait_until");
}

/* ---- GMutex and GCond (futexes in GLib 2.74) ----
 * Seen for every caller outside GLib itself: GStreamer's object, pad and
 * queue locks, libsoup's, libnice's. (GLib's own calls do not go through the
 * symbol table; GRecMutex and GRWLock are pthread objects TSan sees.) */

void
g_mutex_lock (GMutex *mutex)
{
  if (G_UNLIKELY (!real_cond_wait_until))
    look_up_real_functions ();
  real_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  if (G_UNLIKELY (!real_cond_wait_until))
    look_up_real_functions ();
  if (!real_mutex_trylock (mutex))
    return FALSE;
  __tsan_acquire (mutex);
  return TRUE;
}

void
g_mutex_unlock (GMutex *mutex)
{
  if (G_UNLIKELY (!real_cond_wait_until))
    look_up_real_functions ();
  __tsan_release (mutex);
  real_mutex_unlock (mutex);
}

void
g_cond_wait (GCond *cond, GMutex *mutex)
{
  __tsan_release (mutex);
  real_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
g_cond_wait_until (GCond *cond, GMutex *mutex, gint64 end_time)
{
  __tsan_release (mutex);
  gboolean signalled = real_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* ---- GSource callbacks, through g_source_set_callback_indirect ---- */

typedef struct {
  gint ref;
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
} SourceCallback;

/* GLib refs the callback on the dispatching thread before it gets it. */
static void
source_callback_ref (gpointer p)
{
  __tsan_acquire (p);
  g_atomic_int_inc (&((SourceCallback *) p)->ref);
}

static void
source_callback_unref (gpointer p)
{
  SourceCallback *cb = p;
  __tsan_acquire (cb);
  if (!g_atomic_int_dec_and_test (&cb->ref))
    return;
  if (cb->notify)
    cb->notify (cb->data);
  g_free (cb);
}

/* Called by GLib on the dispatching thread right before the callback. */
static void
source_callback_get (gpointer p, G_GNUC_UNUSED GSource *source, GSourceFunc *func, gpointer *data)
{
  SourceCallback *cb = p;
  __tsan_acquire (cb);
  *func = cb->func;
  *data = cb->data;
}

static GSourceCallbackFuncs source_callback_funcs = {
  source_callback_ref,
  source_callback_unref,
  source_callback_get,
};

void
g_source_set_callback (GSource *source, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  SourceCallback *cb = g_new (SourceCallback, 1);
  cb->ref = 1;
  cb->func = func;
  cb->data = data;
  cb->notify = notify;
  __tsan_release (cb);
  g_source_set_callback_indirect (source, cb, &source_callback_funcs);
}

/* ---- GstPromise change functions ---- */

typedef struct {
  GstPromiseChangeFunc func;
  gpointer data;
  GDestroyNotify notify;
} PromiseCallback;

static void
promise_changed (GstPromise *promise, gpointer p)
{
  PromiseCallback *cb = p;
  __tsan_acquire (cb);
  cb->func (promise, cb->data);
}

static void
promise_callback_free (gpointer p)
{
  PromiseCallback *cb = p;
  __tsan_acquire (cb);
  if (cb->notify)
    cb->notify (cb->data);
  g_free (cb);
}

GstPromise *
gst_promise_new_with_change_func (GstPromiseChangeFunc func, gpointer data,
    GDestroyNotify notify)
{
  PromiseCallback *cb = g_new (PromiseCallback, 1);
  cb->func = func;
  cb->data = data;
  cb->notify = notify;
  __tsan_release (cb);
  return real_promise_new_with_change_func (promise_changed, cb, promise_callback_free);
}

/* ---- pad probes ---- */

typedef struct {
  GstPadProbeCallback func;
  gpointer data;
  GDestroyNotify notify;
} ProbeCallback;

static GstPadProbeReturn
probe_called (GstPad *pad, GstPadProbeInfo *info, gpointer p)
{
  ProbeCallback *cb = p;
  __tsan_acquire (cb);
  return cb->func (pad, info, cb->data);
}

static void
probe_callback_free (gpointer p)
{
  ProbeCallback *cb = p;
  __tsan_acquire (cb);
  if (cb->notify)
    cb->notify (cb->data);
  g_free (cb);
}

gulong
gst_pad_add_probe (GstPad *pad, GstPadProbeType mask, GstPadProbeCallback func, gpointer data,
    GDestroyNotify notify)
{
  ProbeCallback *cb = g_new (ProbeCallback, 1);
  cb->func = func;
  cb->data = data;
  cb->notify = notify;
  __tsan_release (cb);
  return real_pad_add_probe (pad, mask, probe_called, cb, probe_callback_free);
}

/* ---- signal handlers, through a marshal guard on the handler's closure ---- */

static void
closure_entered (gpointer token, G_GNUC_UNUSED GClosure *closure)
{
  __tsan_acquire (token);
}

static void
closure_left (G_GNUC_UNUSED gpointer token, G_GNUC_UNUSED GClosure *closure)
{
}

gulong
g_signal_connect_data (gpointer instance, const gchar *detailed_signal, GCallback c_handler,
    gpointer data, GClosureNotify destroy_data, GConnectFlags flags)
{
  /* What g_signal_connect_data() does, with a guard: the closure's own
   * data destroy runs after the finalize notifier added here. */
  GClosure *closure = (flags & G_CONNECT_SWAPPED)
      ? g_cclosure_new_swap (c_handler, data, destroy_data)
      : g_cclosure_new (c_handler, data, destroy_data);
  g_closure_add_marshal_guards (closure, closure, closure_entered, NULL, closure_left);
  g_closure_add_finalize_notifier (closure, closure, closure_entered);
  __tsan_release (closure);
  return g_signal_connect_closure (instance, detailed_signal, closure,
      (flags & G_CONNECT_AFTER) != 0);
}

/* Called first thing by test-main: the wrappers only help if the dynamic
 * linker resolves these names to them, for the plugin too. */
void gst_sig_tsan_glib_sync_check (void);

static gboolean
resolves_here (const char *name)
{
  Dl_info here, there;
  void *sym = dlsym (RTLD_DEFAULT, name);
  return sym && dladdr ((void *) resolves_here, &here) && dladdr (sym, &there) &&
      here.dli_fbase == there.dli_fbase;
}

void
gst_sig_tsan_glib_sync_check (void)
{
  if (!resolves_here ("g_source_set_callback") ||
      !resolves_here ("gst_promise_new_with_change_func") ||
      !resolves_here ("gst_pad_add_probe") || !resolves_here ("g_signal_connect_data") ||
      !resolves_here ("g_mutex_lock") || !resolves_here ("g_cond_wait"))
    g_error ("tsan-glib-sync: GLib's own functions come first in the lookup order; "
             "link libtsan-glib-sync.so before GLib and GStreamer");
}
