/*
 * Benchmark client for the wxpay C ABI: BENCH_N close calls (the seed's
 * POST v3/transactions/id/{transaction_id}/close on the HK base URI) from BENCH_C threads, each
 * calling the blocking wxpay_request(). Prints one JSON line in the format every bench client
 * shares (bench/README.md). Not a test: bench/run.py builds and drives it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "wxpay.h"

static const char *TEMPLATE = "v3/transactions/id/{transaction_id}/close";
static const char *OPTIONS =
    "{\"base_uri\":\"https://api.mch.weixin.qq.com/hk/\","
    "\"transaction_id\":\"1217752501201407033233368018\","
    "\"json\":{\"mchid\":\"1230000109\",\"sub_mchid\":\"1230000109\",\"sp_mchid\":\"1230000109\"}}";

static wxpay_client_t *client;
static atomic_long next_call, done_calls, failures;
static long n_calls, rss_at;
static atomic_long rss_at_kb;
static unsigned *latencies; /* NULL: not recorded */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long env_long(const char *name, long dflt) {
    const char *v = getenv(name);
    if (!v || !*v) return dflt;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < 0) {
        fprintf(stderr, "bench-c: %s=%s is not a whole number\n", name, v);
        exit(2);
    }
    return x;
}

static long rss_now_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Reset the peak-RSS counter (Linux), so that VmHWM read at the end covers only what follows. */
static void reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static long peak_rss_kb(void) {
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1) break;
    fclose(f);
    return kb;
}

#define MAX_SAMPLES 64
static pthread_mutex_t samples_lock = PTHREAD_MUTEX_INITIALIZER;
static long sample_at[MAX_SAMPLES], sample_kb[MAX_SAMPLES];
static int samples;

static void *worker(void *arg) {
    (void)arg;
    long i;
    while ((i = atomic_fetch_add(&next_call, 1)) < n_calls) {
        double t0 = now_s();
        wxpay_response_t *r = NULL;
        wxpay_error_t *err = NULL;
        wxpay_status s = wxpay_request(client, "POST", TEMPLATE, OPTIONS, &r, &err);
        if (s != WXPAY_OK) {
            if (atomic_fetch_add(&failures, 1) == 0)
                fprintf(stderr, "bench-c: close call failed: [%s] %s\n", wxpay_error_code(err),
                        wxpay_error_message(err));
            wxpay_error_free(err);
            continue;
        }
        if (wxpay_response_status(r) != 204 && atomic_fetch_add(&failures, 1) == 0)
            fprintf(stderr, "bench-c: close call answered %u, not 204\n", (unsigned)wxpay_response_status(r));
        wxpay_response_free(r);
        if (latencies) latencies[i] = (unsigned)((now_s() - t0) * 1e6);
        long done = atomic_fetch_add(&done_calls, 1) + 1;
        if (done == rss_at) {
            reset_peak_rss();
            atomic_store(&rss_at_kb, rss_now_kb());
        }
        long step = n_calls / 10 > 0 ? n_calls / 10 : 1;
        if (rss_at > 0 && (done == rss_at || done % step == 0)) {
            pthread_mutex_lock(&samples_lock);
            if (samples < MAX_SAMPLES) {
                sample_at[samples] = done;
                sample_kb[samples++] = rss_now_kb();
            }
            pthread_mutex_unlock(&samples_lock);
        }
    }
    return NULL;
}

static void run(long n, long c) {
    atomic_store(&next_call, 0);
    atomic_store(&done_calls, 0);
    n_calls = n;
    pthread_t *threads = calloc((size_t)c, sizeof *threads);
    if (!threads) exit(1);
    for (long t = 0; t < c; t++)
        if (pthread_create(&threads[t], NULL, worker, NULL) != 0) {
            fprintf(stderr, "bench-c: cannot start thread %ld\n", t);
            exit(1);
        }
    for (long t = 0; t < c; t++) pthread_join(threads[t], NULL);
    free(threads);
}

int main(void) {
    const char *config = getenv("BENCH_CONFIG");
    if (!config) {
        fprintf(stderr, "bench-c: set BENCH_CONFIG to a client configuration file\n");
        return 2;
    }
    long n = env_long("BENCH_N", 1000), c = env_long("BENCH_C", 1), warmup = env_long("BENCH_WARMUP", 100);
    if (c < 1) c = 1;
    wxpay_error_t *err = NULL;
    if (wxpay_client_new_from_file(config, &client, &err) != WXPAY_OK) {
        fprintf(stderr, "bench-c: configuration: %s\n", wxpay_error_message(err));
        wxpay_error_free(err);
        return 2;
    }
    run(warmup, c); /* connections, caches; not measured */
    if (atomic_load(&failures)) return 1;

    rss_at = env_long("BENCH_RSS_AT", 0);
    if (env_long("BENCH_LATENCIES", 1)) {
        latencies = calloc((size_t)n + 1, sizeof *latencies);
        if (!latencies) return 1;
        memset(latencies, 0, ((size_t)n + 1) * sizeof *latencies); /* resident before timing */
    }
    struct rusage u0, u1;
    getrusage(RUSAGE_SELF, &u0);
    double t0 = now_s();
    run(n, c);
    double wall = now_s() - t0;
    getrusage(RUSAGE_SELF, &u1);
    if (atomic_load(&failures)) return 1;

#define SECS(a, b) ((double)((b).tv_sec - (a).tv_sec) + (double)((b).tv_usec - (a).tv_usec) / 1e6)
    printf("{\"n\":%ld,\"c\":%ld,\"wall_s\":%.6f,\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"ctxsw\":%ld,"
           "\"maxrss_kb\":%ld,\"rss_at_kb\":%ld,\"rss_end_kb\":%ld,\"peak_after_kb\":%ld,"
           "\"rss_series_kb\":[",
           n, c, wall, SECS(u0.ru_utime, u1.ru_utime), SECS(u0.ru_stime, u1.ru_stime),
           (u1.ru_nvcsw - u0.ru_nvcsw) + (u1.ru_nivcsw - u0.ru_nivcsw), u1.ru_maxrss,
           atomic_load(&rss_at_kb), rss_now_kb(), rss_at > 0 ? peak_rss_kb() : 0L);
    for (int i = 0; i < samples; i++) printf(i ? ",[%ld,%ld]" : "[%ld,%ld]", sample_at[i], sample_kb[i]);
    printf("],\"lat_us\":[");
    for (long i = 0; latencies && i < n; i++) printf(i ? ",%u" : "%u", latencies[i]);
    printf("]}\n");
    free(latencies);
    wxpay_client_free(client);
    return 0;
}
