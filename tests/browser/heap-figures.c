/* A preload module for tests (LD_PRELOAD): writes the process's heap
 * figures, from glibc's mallinfo2, as one JSON line to the file named by
 * GST_WEBRTCSIGNAL_HEAP_FIGURES whenever a file of that name with
 * ".request" added appears, then removes the request. inUse and mmapped
 * are the bytes the program holds; free is what the allocator keeps after
 * frees. The soak test tells a leak (inUse + mmapped growing) from the
 * allocator keeping freed memory (RSS growing, free growing), which RSS
 * alone mixes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POLL_US (100 * 1000)

static char figures_path[2048];
static char request_path[2100];
static char temp_path[2100];

static void
write_figures (void)
{
  struct mallinfo2 m = mallinfo2 ();
  FILE *out = fopen (temp_path, "w");
  if (!out)
    return;
  fprintf (out, "{\"inUse\": %zu, \"mmapped\": %zu, \"free\": %zu}\n", m.uordblks, m.hblkhd,
      m.fordblks);
  fclose (out);
  rename (temp_path, figures_path); /* whole, never half written */
}

static void *
watch_requests (void *unused)
{
  (void) unused;
  for (;;) {
    usleep (POLL_US);
    if (access (request_path, F_OK) == 0) {
      write_figures ();
      unlink (request_path);
    }
  }
  return NULL;
}

__attribute__ ((constructor)) static void
start_watching (void)
{
  const char *path = getenv ("GST_WEBRTCSIGNAL_HEAP_FIGURES");
  if (!path || !*path || strlen (path) >= sizeof figures_path)
    return;
  snprintf (figures_path, sizeof figures_path, "%s", path);
  snprintf (request_path, sizeof request_path, "%s.request", path);
  snprintf (temp_path, sizeof temp_path, "%s.tmp", path);
  /* Not in the processes this one starts (gst-plugin-scanner). */
  unsetenv ("GST_WEBRTCSIGNAL_HEAP_FIGURES");
  pthread_t thread;
  if (pthread_create (&thread, NULL, watch_requests, NULL) == 0)
    pthread_detach (thread);
}
