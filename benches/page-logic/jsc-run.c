/* Runs one script in WebKitGTK's JavaScript engine (libjavascriptcoregtk, the engine of the
 * window's web process) and prints the global RESULT. scripts/bench-page-logic.sh runs it with
 * and without JSC_useJIT=0 to price the window's no-JIT default (issue 14). */
#include <jsc/jsc.h>
#include <stdio.h>

int main(int argc, char **argv) {
  gchar *source = NULL;
  gsize length = 0;
  GError *error = NULL;
  if (argc != 2 || !g_file_get_contents(argv[1], &source, &length, &error)) {
    fprintf(stderr, "usage: jsc-run SCRIPT (%s)\n", error ? error->message : "no script");
    return 2;
  }
  JSCContext *context = jsc_context_new();
  g_object_unref(jsc_context_evaluate(context, source, (gssize)length));
  JSCException *exception = jsc_context_get_exception(context);
  if (exception) {
    fprintf(stderr, "jsc-run: %s\n", jsc_exception_report(exception));
    return 1;
  }
  JSCValue *result = jsc_context_get_value(context, "RESULT");
  char *text = jsc_value_to_string(result);
  printf("%s\n", text);
  g_free(text);
  g_object_unref(result);
  g_object_unref(context);
  g_free(source);
  return 0;
}
