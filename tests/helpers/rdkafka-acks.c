/*
 * rdkafka-acks: a librdkafka producer for the cluster fault tests that reports every message's
 * fate. Produces values "<source>-<seq>" (seq 0, 1, 2, ...) round-robin over the partitions of a
 * topic, `batch` consecutive seqs to one partition, one produce call every `interval_us`
 * microseconds, until `count` messages were produced or SIGTERM/SIGINT arrives; then flushes
 * (waiting for every delivery report, at most message.timeout.ms) and exits 0.
 *
 * stdout, one line per delivery report:
 *   ACK <partition> <offset> <value>     the broker acknowledged it (with the configured acks)
 *   ERR <partition> <value> <error>      librdkafka gave up on it
 * and at the end "DONE <produced> <acked> <failed>".
 *
 * Usage: rdkafka-acks <bootstrap> <topic> <partitions> <count> <source> <batch> <interval_us> [key=value ...]
 * The key=value pairs are librdkafka configuration, applied after the defaults below
 * (acks=all, no idempotence, one request in flight so a source's order is kept).
 *
 * Build: cc -O1 -o rdkafka-acks rdkafka-acks.c -lrdkafka
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;
static long acked = 0, failed = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    acked++;
    printf("ACK %d %lld %.*s\n", (int)m->partition, (long long)m->offset, (int)m->len, (const char *)m->payload);
  } else {
    failed++;
    printf("ERR %d %.*s %s\n", (int)m->partition, (int)m->len, (const char *)m->payload, rd_kafka_err2name(m->err));
  }
  fflush(stdout);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "config %s=%s: %s\n", key, value, err);
    exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: %s <bootstrap> <topic> <partitions> <count> <source> <batch> <interval_us> [key=value ...]\n", argv[0]);
    return 2;
  }
  const char *topic = argv[2];
  int partitions = atoi(argv[3]);
  long count = atol(argv[4]);
  const char *source = argv[5];
  int batch = atoi(argv[6]);
  long interval_us = atol(argv[7]);
  if (partitions < 1 || batch < 1) {
    fprintf(stderr, "partitions and batch must be positive\n");
    return 2;
  }

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[1]);
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "false");
  set(conf, "max.in.flight.requests.per.connection", "1");
  set(conf, "message.timeout.ms", "30000");
  set(conf, "request.timeout.ms", "5000");
  set(conf, "retry.backoff.ms", "100");
  set(conf, "linger.ms", "5");
  set(conf, "topic.metadata.refresh.interval.ms", "1000");
  for (int i = 8; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) {
      fprintf(stderr, "not key=value: %s\n", argv[i]);
      return 2;
    }
    *eq = '\0';
    set(conf, argv[i], eq + 1);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char err[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 2;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  long produced = 0;
  char value[256];
  while (!stop_requested && produced < count) {
    int partition = (int)((produced / batch) % partitions);
    int len = snprintf(value, sizeof value, "%s-%ld", source, produced);
    rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_VALUE(value, (size_t)len),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 100);
      continue;
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failed++;
      printf("ERR %d %s %s\n", partition, value, rd_kafka_err2name(e));
      fflush(stdout);
    }
    produced++;
    rd_kafka_poll(rk, 0);
    if (interval_us > 0) usleep((useconds_t)interval_us);
  }
  rd_kafka_flush(rk, 35000);
  rd_kafka_poll(rk, 0);
  printf("DONE %ld %ld %ld\n", produced, acked, failed);
  fflush(stdout);
  rd_kafka_destroy(rk);
  return 0;
}
