// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/sqlite/suppression_index.h"
#include "store/store.h"

namespace bw::store::sqlite {

class Db;            // sqlite_handle.h
class Checkpointer;  // checkpointer.h
class CommitSyncer;  // commit_syncer.h

struct SqliteOptions {
  // The database file. Its parent directories are created (read-write opens). Required; SQLite's
  // ":memory:" is refused because readers use their own connections.
  std::string path;
  // Open for reading only (the CLI while a server runs): never migrates, fails when the schema is
  // missing, older or newer, and every write fails with kUnavailable. Default: false.
  bool read_only = false;
  // At most this many IngestAsync batches (and other writes) share one commit. 1 = one commit per
  // batch. Default: 512.
  int max_batch = 512;
  // How long a connection waits for a lock held by another connection/process before the
  // operation fails with kUnavailable. Default: 5 s.
  std::chrono::milliseconds busy_timeout{5000};
  // Idle read connections kept open for reuse; more are opened when needed. Default: 4.
  int max_idle_readers = 4;
  // CheckWritable fails when the file system holding the database has less free space than this.
  // 0 disables the check. Default: 8 MiB.
  int64_t min_free_bytes = int64_t{8} << 20;
  // How events change the suppression list, applied inside each ingest transaction (see
  // store::SuppressionPolicy). Empty: events leave the suppression list alone. Default: empty.
  SuppressionPolicy suppression_policy;
  // Keep the suppression list in memory (SuppressionIndex) so that GetSuppression and
  // GetSuppressions never read SQLite: loaded at open (about 1-2 s and ~80 bytes per address for a
  // million addresses), updated by the writer after each commit, and brought up to date with
  // changes made by other processes (the CLI) through the suppression_changes log before each
  // write group and at least every index_poll. For `serve`; CLI commands leave it off.
  // Default: false.
  bool suppression_index = false;
  std::chrono::milliseconds index_poll{100};
  // How events add reputation bucket rows, inside each ingest transaction (see
  // store::ReputationRowsFn). Empty: events add no rows. Default: empty.
  ReputationRowsFn reputation_rows;
  // Told what each successful commit wrote (store::CommitObserver), on the writer thread.
  // Default: empty.
  CommitObserver commit_observer;
  // Which alert channels get an outbox row for each stored event (see store::AlertRule), written
  // inside each ingest transaction. Empty: no rows. Default: empty.
  AlertRule alert_rule;
  // The commit pipeline (commit_syncer.h): the writer commits a group without waiting for the
  // WAL's fdatasync and goes on with the next group, while up to this many fdatasync calls run
  // on their own threads; a group's callbacks run only after a sync that began after its commit
  // has returned. 0: each commit fsyncs the WAL on the writer thread before returning, and the
  // writer calls the callbacks (synchronous=FULL alone). Read-write opens only. Default: 1
  // (more threads give smaller groups: more commits, more writer CPU per message).
  int wal_sync_threads = 1;
  // For tests: wraps each of the pipeline's syncs (`sync` is the real fdatasync), e.g. to delay
  // or fail it. Default: empty.
  std::function<Status(const std::function<Status()>& sync)> wal_sync_hook;
};

// The SQLite backend of Store: one file, WAL journal, synchronous=FULL.
//
// Writes (IngestAsync, UpsertSubscription, CheckWritable's probe) go through one queue to one
// writer thread that owns the only write connection. The writer takes everything queued (up to
// max_batch) into one BEGIN IMMEDIATE transaction, gives each write its own savepoint (a write
// that fails is rolled back alone and reports its error; a group of only ingest batches runs
// without them and, should one fail, is rolled back and run again with them), commits once, and
// only once the commit's WAL frames are fsynced are the callbacks called (by a sync thread; with two or more
// the writer commits the next group meanwhile: wal_sync_threads, commit_syncer.h; a failed
// fsync fails every write after it with kUnavailable). When the transaction itself fails (commit, I/O, lock), every write in it fails with
// kUnavailable and nothing of them is stored; the next group starts afresh.
// Reads use a small pool of read-only connections and never wait for the writer (WAL).
//
// Thread-safety: every method may be called from any thread. The destructor waits for every
// queued write to be committed (or failed) and its callback called.
class SqliteStore final : public Store {
 public:
  // Opens (creating and migrating when read-write) the database and starts the writer thread.
  // kInvalidInput for an empty or in-memory path; kUnavailable when the file cannot be opened or
  // created, the schema is newer than this code, or (read-only) missing or older.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options,
                                                   const Clock& clock);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void IngestAsync(IngestBatch batch, IngestCallback done) override;
  Result<std::vector<FeedbackEvent>> QueryEvents(const EventQuery& query) override;
  Result<FeedbackEvent> GetEvent(std::string_view id) override;
  Result<RawMessage> GetRawMessage(std::string_view source, std::string_view dedup_key) override;
  Result<RawMessage> GetEventRawMessage(std::string_view event_id) override;
  // Keeps the larger of the stored and the given last_message_at_ms (ingestion maintains it).
  Status UpsertSubscription(const Subscription& s) override;
  Result<std::vector<Subscription>> ListSubscriptions() override;
  // Free space check, then a real write probe through the writer (shares a group commit).
  Status CheckWritable() override;

  Result<SuppressionState> GetSuppression(std::string_view address_key) override;
  Result<std::vector<SuppressionState>> GetSuppressions(
      const std::vector<std::string>& address_keys) override;
  Result<std::vector<std::optional<SuppressionBrief>>> CheckSuppressions(
      const std::vector<std::string>& address_keys) override;
  Result<std::vector<SuppressionState>> ListSuppressions(const SuppressionQuery& query) override;
  Status AddSuppressions(const std::vector<ManualSuppression>& entries,
                         const AuditInfo& audit) override;
  Result<size_t> ImportSuppressions(SuppressionBatchSource& source,
                                    const AuditInfo& audit) override;
  Status RemoveSuppression(std::string_view address_key, int64_t now_ms,
                           const AuditInfo& audit) override;
  Status ReplaceSuppressions(const std::vector<SuppressionState>& states,
                             const AuditInfo& audit) override;
  Result<std::vector<SuppressionAuditEntry>> ListSuppressionAudit(std::string_view address_key,
                                                                  size_t limit) override;
  Status CreateToken(const ApiToken& token) override;
  Result<std::vector<ApiToken>> ListTokens() override;
  Result<ApiToken> FindTokenByHash(std::string_view hash) override;
  Status RevokeToken(std::string_view id_or_name, int64_t now_ms) override;
  Status AddReputationRows(const std::vector<ReputationRow>& rows) override;
  Result<std::vector<ReputationRow>> ListReputationRows(int64_t since_ms) override;
  // Implemented in sqlite_reputation.cc.
  Result<ReputationSums> SumReputationRows(int64_t since_ms) override;
  Result<int64_t> DeleteReputationRowsBefore(int64_t before_ms) override;
  Result<int64_t> CountSuppressed(int64_t active_at_ms) override;
  // Alert outbox: implemented in sqlite_alerts.cc.
  Result<std::vector<AlertItem>> ClaimAlerts(const AlertClaim& claim) override;
  Status MarkAlertsSent(const std::vector<int64_t>& ids, int64_t sent_at_ms) override;
  Status MarkAlertsFailed(const std::vector<int64_t>& ids, int64_t next_attempt_at_ms,
                          std::string_view error) override;
  Status EnqueueAlerts(const std::vector<NewAlert>& alerts,
                       const std::map<std::string, std::string>& state, int64_t now_ms) override;
  Result<std::map<std::string, std::string>> GetAlertState() override;
  Result<std::map<std::string, AlertChannelStats>> GetAlertOutboxStats() override;
  Result<AlertPeriodSummary> SummarizeAlertPeriod(int64_t since_ms, int64_t until_ms,
                                                  size_t max_addresses) override;
  Result<int64_t> PruneSentAlerts(int64_t sent_before_ms) override;

  // Transactions the writer has committed (each holds one or more writes). For tests, metrics.
  int64_t commits() const { return commits_.load(); }
  // Groups of ingest batches (run without per-batch savepoints) that were rolled back because a
  // batch failed and run again with a savepoint per batch (CommitGroup). For tests.
  int64_t savepoint_retries() const { return savepoint_retries_.load(); }
  // The in-memory suppression index (nullptr unless SqliteOptions::suppression_index).
  const SuppressionIndex* suppression_index() const { return index_.get(); }

  // Caps the database size in pages (PRAGMA max_page_count on the write connection), to simulate
  // a full disk. Values below the current size mean "no growth at all".
  Status SetMaxPageCountForTest(int64_t pages);
  // Makes the writer thread wait until `release` is ready, holding the write transaction open,
  // so that writes queued meanwhile share the next commit. Returns once the writer is waiting.
  void HoldWriterForTest(std::shared_future<void> release);

 private:
  class Writer;
  class ReadPool;
  struct PreparedBatch;

  // One queued write: an ingest batch or a task run on the write connection.
  struct WriteOp {
    std::shared_ptr<PreparedBatch> batch;
    IngestCallback done;
    std::function<Status(Writer&)> task;
    std::function<void(Status)> task_done;
  };

  SqliteStore(const SqliteOptions& options, const Clock& clock, std::unique_ptr<Writer> writer,
              std::unique_ptr<ReadPool> readers, std::unique_ptr<SuppressionIndex> index,
              std::unique_ptr<Checkpointer> checkpointer, std::unique_ptr<CommitSyncer> syncer);

  // The write connection and a read connection for code outside sqlite_store.cc (e.g.
  // sqlite_alerts.cc): `task` runs on the writer inside a group commit (its own savepoint);
  // `read` on a pooled read-only connection.
  Status RunOnWriteDb(std::function<Status(Db&)> task);
  Status RunOnReadDb(const std::function<Status(Db&)>& read);
  void Enqueue(WriteOp op);
  // Runs `task` on the writer thread inside a group commit; returns once it is committed.
  Status RunWriteTask(std::function<Status(Writer&)> task);
  void WriterLoop();
  void CommitGroup(std::vector<WriteOp>& ops);

  const SqliteOptions options_;
  const Clock& clock_;
  std::unique_ptr<Writer> writer_;  // used only by writer_thread_
  std::unique_ptr<ReadPool> readers_;
  // WAL checkpoints off the writer thread (read-write opens); destroyed before writer_, whose
  // close then does the final checkpoint as before.
  std::unique_ptr<Checkpointer> checkpointer_;
  // Completes committed groups once their WAL frames are fsynced (nullptr: wal_sync_threads 0,
  // read-only). Emptied (every completion run) before writer_ closes.
  std::unique_ptr<CommitSyncer> syncer_;
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> savepoint_retries_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteOp> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;      // GUARDED_BY(mu_)

  std::unique_ptr<SuppressionIndex> index_;  // set before the writer thread starts
  std::thread writer_thread_;  // last: started once everything above exists
};

// The factory app/ calls: SqliteStore::Open as a Store.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options, const Clock& clock);

}  // namespace bw::store::sqlite
