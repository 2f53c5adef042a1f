/*
 * rdkafka-txn: librdkafka's transactional producer API against a broker, for the transaction
 * tests (kcat cannot run transactions). Runs `txns` transactions of `per_txn` messages each on
 * one transactional id; every `abort_every`-th transaction (1-based; 0 = never) is aborted, the
 * others committed (the messages of an aborted one are flushed to the broker first, so they are in
 * the log as aborted records). Message values are "<transactional.id>-<txn>-<i>", keys "k<i>", spread
 * round-robin over `partitions` partitions.
 *
 * stdout, one line per transaction once its outcome is known, then a summary:
 *   COMMIT <txn>        the commit succeeded
 *   ABORT <txn>         the abort succeeded
 *   DONE <committed> <aborted>
 * Any failure prints "FAIL <step> <error name> <message>" to stdout and exits 1.
 *
 * Usage: rdkafka-txn <bootstrap> <topic> <partitions> <transactional.id> <txns> <per_txn> <abort_every> [key=value ...]
 * Build: cc -O1 -o rdkafka-txn rdkafka-txn.c -lrdkafka
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "config %s=%s: %s\n", key, value, err);
    exit(2);
  }
}

static void check(const char *step, rd_kafka_error_t *e) {
  if (!e) return;
  printf("FAIL %s %s %s\n", step, rd_kafka_err2name(rd_kafka_error_code(e)), rd_kafka_error_string(e));
  fflush(stdout);
  rd_kafka_error_destroy(e);
  exit(1);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  /* Errors surface through commit_transaction; an abort fails its messages by design. */
  (void)m;
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: %s <bootstrap> <topic> <partitions> <transactional.id> <txns> <per_txn> <abort_every> [key=value ...]\n", argv[0]);
    return 2;
  }
  const char *topic = argv[2];
  int partitions = atoi(argv[3]);
  const char *txn_id = argv[4];
  int txns = atoi(argv[5]);
  int per_txn = atoi(argv[6]);
  int abort_every = atoi(argv[7]);

  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[1]);
  set(conf, "transactional.id", txn_id);
  set(conf, "transaction.timeout.ms", "60000");
  set(conf, "linger.ms", "5");
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
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    printf("FAIL new - %s\n", err);
    return 1;
  }
  check("init_transactions", rd_kafka_init_transactions(rk, 30000));

  int committed = 0, aborted = 0;
  for (int t = 1; t <= txns; t++) {
    check("begin_transaction", rd_kafka_begin_transaction(rk));
    for (int i = 0; i < per_txn; i++) {
      char value[256], key[32];
      int vlen = snprintf(value, sizeof value, "%s-%d-%d", txn_id, t, i);
      int klen = snprintf(key, sizeof key, "k%d", i);
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % partitions), RD_KAFKA_V_KEY(key, (size_t)klen),
                                                RD_KAFKA_V_VALUE(value, (size_t)vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e) {
        printf("FAIL produce %s %s\n", rd_kafka_err2name(e), rd_kafka_err2str(e));
        return 1;
      }
      rd_kafka_poll(rk, 0);
    }
    if (abort_every > 0 && t % abort_every == 0) {
      /* abort_transaction would purge messages not yet sent: send them first, so the aborted
         records are in the log and a read_uncommitted consumer can see them */
      rd_kafka_resp_err_t fe = rd_kafka_flush(rk, 30000);
      if (fe) {
        printf("FAIL flush %s %s\n", rd_kafka_err2name(fe), rd_kafka_err2str(fe));
        return 1;
      }
      check("abort_transaction", rd_kafka_abort_transaction(rk, 30000));
      printf("ABORT %d\n", t);
      aborted++;
    } else {
      check("commit_transaction", rd_kafka_commit_transaction(rk, 30000));
      printf("COMMIT %d\n", t);
      committed++;
    }
    fflush(stdout);
  }
  printf("DONE %d %d\n", committed, aborted);
  fflush(stdout);
  rd_kafka_destroy(rk);
  return 0;
}
