// eddy — THE table of bucket configuration parameters (an X-macro list; no include guard).
//
// Owns: every bucket parameter, once. The parser, the typed getters, SET_PARAM, the `config`
// stats and the "Bucket configuration" section of docs/configuration.md are all generated from
// these rows; nothing else lists parameter names.
//
// Row format:
//   EDDY_CONFIG_PARAM(name, Getter, CppType, default, min, max, category, unit, description)
//     name        the key in `key=value;...` strings, JSON, SET_PARAM and stats (`ep_<name>`)
//     Getter      UpperCamel: Param::<Getter> and Configuration::get<Getter>()
//     CppType     bool, uint64_t, int64_t, double, std::string or an enum of enums.h
//     default     must lie within [min, max] (config_table_test.cc checks every row)
//     min, max    inclusive bounds for numbers; `{}` for bool, string and enum rows
//     category    Static (fixed at bucket creation) or the SET_PARAM category that may change it
//                 at run time: Flush, Checkpoint, Dcp, Vbucket
//     unit        how the number reads: None, Bytes, Count, Seconds, Milliseconds, Microseconds,
//                 Percent, QuotaPercent (percent of max_size; stats also show it in bytes), Ratio
//     description one line, starting with a capital and ending with a full stop
//
// Cross-parameter rules (mem_low_wat < mem_high_wat, ...) live in constraints() (values.cc).
// Adding a row: add it here, run eddy-config-doc to refresh docs/configuration.md, done.
//
// Thread contract: none (preprocessor text).

// Memory quota and pagers.
EDDY_CONFIG_PARAM(max_size, MaxSize, uint64_t, 100 * kMiB, 1 * kMiB, kU64Max, Flush, Bytes,
                  "Memory quota of the bucket; the watermarks, the write threshold and the "
                  "checkpoint budget are fractions of it.")
EDDY_CONFIG_PARAM(mem_low_wat, MemLowWat, double, 75.0, 0.0, 100.0, Flush, QuotaPercent,
                  "The item pager stops evicting once memory use falls below this.")
EDDY_CONFIG_PARAM(mem_high_wat, MemHighWat, double, 85.0, 0.0, 100.0, Flush, QuotaPercent,
                  "The item pager starts evicting once memory use rises above this.")
EDDY_CONFIG_PARAM(mutation_mem_threshold, MutationMemThreshold, uint64_t, 93, 1, 100, Flush,
                  Percent,
                  "Front-end writes fail with a temporary failure while memory use is above this "
                  "percentage of max_size.")
EDDY_CONFIG_PARAM(backfill_mem_threshold, BackfillMemThreshold, uint64_t, 96, 1, 100, Dcp, Percent,
                  "DCP backfills pause while memory use is above this percentage of max_size.")
EDDY_CONFIG_PARAM(pager_sleep_time_ms, PagerSleepTimeMs, uint64_t, 5000, 10, 3600000, Flush,
                  Milliseconds,
                  "Period at which the item pager compares memory use with the high watermark.")
EDDY_CONFIG_PARAM(max_item_size, MaxItemSize, uint64_t, 20 * kMiB, 1 * kKiB, 1 * kGiB, Flush, Bytes,
                  "Largest document value accepted, the server's one item-size limit: a larger "
                  "write (APPEND/PREPEND: the joined value) fails with E2BIG.")
EDDY_CONFIG_PARAM(max_ttl, MaxTtl, uint64_t, 0, 0, 2147483647, Flush, Seconds,
                  "Upper bound on a document's time to live: a write with no expiry or a later one "
                  "expires this many seconds after the write; 0 = none.")

// Bucket kind and in-memory structures.
EDDY_CONFIG_PARAM(bucket_type, BucketType, BucketType, BucketType::Persistent, {}, {}, Static, None,
                  "Whether items are persisted to disk (persistent) or kept in memory only "
                  "(ephemeral).")
EDDY_CONFIG_PARAM(item_eviction_policy, ItemEvictionPolicy, EvictionPolicy,
                  EvictionPolicy::ValueOnly, {}, {}, Static, None,
                  "Persistent buckets: evict only values (value_only) or whole items "
                  "(full_eviction).")
EDDY_CONFIG_PARAM(ephemeral_full_policy, EphemeralFullPolicy, EphemeralFullPolicy,
                  EphemeralFullPolicy::AutoDelete, {}, {}, Flush, None,
                  "Ephemeral buckets at the high watermark: delete items (auto_delete) or refuse "
                  "new writes (fail_new_data).")
EDDY_CONFIG_PARAM(ephemeral_metadata_purge_age, EphemeralMetadataPurgeAge, uint64_t, 60, 0, kU64Max,
                  Flush, Seconds,
                  "Ephemeral buckets: deleted items (tombstones) older than this are purged.")
EDDY_CONFIG_PARAM(ephemeral_metadata_purge_interval, EphemeralMetadataPurgeInterval, uint64_t, 60,
                  0, kU64Max, Flush, Seconds,
                  "Ephemeral buckets: period of the tombstone purger; 0 disables it.")
EDDY_CONFIG_PARAM(max_vbuckets, MaxVbuckets, uint64_t, 1024, 1, 65536, Static, Count,
                  "Number of vbuckets; their ids are 0 to max_vbuckets - 1.")
EDDY_CONFIG_PARAM(max_num_shards, MaxNumShards, uint64_t, 0, 0, 128, Static, Count,
                  "Storage shards, which bound flusher and background-fetch parallelism; 0 = "
                  "chosen from the writer thread count.")
EDDY_CONFIG_PARAM(ht_size, HtSize, uint64_t, 47, 1, 1073741824, Static, Count,
                  "Initial number of slots of each vbucket's hash table, which resizes online.")
EDDY_CONFIG_PARAM(ht_locks, HtLocks, uint64_t, 47, 1, 65536, Static, Count,
                  "Lock stripes of each vbucket's hash table.")
EDDY_CONFIG_PARAM(max_failover_entries, MaxFailoverEntries, uint64_t, 25, 1, 1000, Static, Count,
                  "Entries kept in each vbucket's failover table; the oldest is dropped first.")

// Checkpoints.
EDDY_CONFIG_PARAM(checkpoint_memory_ratio, CheckpointMemoryRatio, double, 0.5, 0.0, 1.0, Checkpoint,
                  Ratio,
                  "Share of max_size that checkpoints may use (the checkpoint budget); writes "
                  "beyond it get a temporary failure.")
EDDY_CONFIG_PARAM(checkpoint_memory_recovery_upper_mark, CheckpointMemoryRecoveryUpperMark, double,
                  0.9, 0.0, 1.0, Checkpoint, Ratio,
                  "Checkpoint memory recovery (expel, cursor drop, removal) starts above this "
                  "share of the checkpoint budget.")
EDDY_CONFIG_PARAM(checkpoint_memory_recovery_lower_mark, CheckpointMemoryRecoveryLowerMark, double,
                  0.6, 0.0, 1.0, Checkpoint, Ratio,
                  "Checkpoint memory recovery stops once checkpoint memory is below this share "
                  "of the checkpoint budget.")
EDDY_CONFIG_PARAM(checkpoint_max_size, CheckpointMaxSize, uint64_t, 0, 0, kU64Max, Checkpoint,
                  Bytes,
                  "The open checkpoint is closed once it holds this many bytes; 0 = derived from "
                  "the checkpoint budget, max_vbuckets and max_checkpoints.")
EDDY_CONFIG_PARAM(max_checkpoints, MaxCheckpoints, uint64_t, 10, 2, 5000, Checkpoint, Count,
                  "Checkpoints one vbucket may hold; at the limit the open checkpoint keeps "
                  "growing.")
EDDY_CONFIG_PARAM(chk_max_items, ChkMaxItems, uint64_t, 10000, 1, 50000000, Checkpoint, Count,
                  "The open checkpoint is closed once it holds this many items.")
EDDY_CONFIG_PARAM(chk_expel_enabled, ChkExpelEnabled, bool, true, {}, {}, Checkpoint, None,
                  "Memory recovery may expel items that every cursor has passed.")
EDDY_CONFIG_PARAM(chk_remover_stime, ChkRemoverStime, uint64_t, 5, 1, 3600, Static, Seconds,
                  "Period of the task that frees checkpoints no cursor needs any more.")

// Expiry.
EDDY_CONFIG_PARAM(exp_pager_enabled, ExpPagerEnabled, bool, true, {}, {}, Flush, None,
                  "Run the expiry pager, which deletes expired items in the background.")
EDDY_CONFIG_PARAM(exp_pager_stime, ExpPagerStime, uint64_t, 600, 1, kU64Max, Flush, Seconds,
                  "Period of the expiry pager.")
EDDY_CONFIG_PARAM(exp_pager_initial_run_time, ExpPagerInitialRunTime, int64_t, -1, -1, 23, Flush,
                  None,
                  "Hour of the day (UTC) of the expiry pager's next run after start-up or a change "
                  "of its parameters, then every exp_pager_stime; -1 = one exp_pager_stime later.")

// Persistence and warm-up.
EDDY_CONFIG_PARAM(dbname, Dbname, std::string, "", {}, {}, Static, None,
                  "Directory of the bucket's data files; empty = chosen by the daemon.")
EDDY_CONFIG_PARAM(flusher_total_batch_limit, FlusherTotalBatchLimit, uint64_t, 4000000, 1, kU64Max,
                  Flush, Count, "Items all flushers together take from checkpoints for one batch.")
EDDY_CONFIG_PARAM(persistent_metadata_purge_age, PersistentMetadataPurgeAge, uint64_t, 259200, 0,
                  kU64Max, Flush, Seconds,
                  "Persistent buckets: deleted items (tombstones) older than this are purged on "
                  "compaction.")
EDDY_CONFIG_PARAM(seqno_persistence_timeout, SeqnoPersistenceTimeout, uint64_t, 30, 1, 3600, Flush,
                  Seconds,
                  "SEQNO_PERSISTENCE gives up with a temporary failure after waiting this long.")
EDDY_CONFIG_PARAM(auto_compaction_interval, AutoCompactionInterval, uint64_t, 3600, 0, kU64Max,
                  Flush, Seconds,
                  "Persistent buckets: period of the automatic compaction of every vbucket, which "
                  "purges old tombstones; 0 disables it.")
EDDY_CONFIG_PARAM(bfilter_enabled, BfilterEnabled, bool, true, {}, {}, Flush, None,
                  "Full eviction: consult each vbucket's Bloom filter of the keys on disk, so that "
                  "most lookups of absent keys need no disk read; false = every key not in memory "
                  "is looked up on disk.")
EDDY_CONFIG_PARAM(warmup, Warmup, bool, true, {}, {}, Static, None,
                  "Load the stored values into memory when the bucket starts; false = only keys "
                  "and metadata, each value is read from disk on first access.")
EDDY_CONFIG_PARAM(warmup_min_memory_threshold, WarmupMinMemoryThreshold, uint64_t, 100, 0, 100,
                  Static, Percent,
                  "Warm-up stops loading values once memory use reaches this percentage of the "
                  "high watermark.")
EDDY_CONFIG_PARAM(warmup_min_items_threshold, WarmupMinItemsThreshold, uint64_t, 100, 0, 100,
                  Static, Percent,
                  "Warm-up stops loading values once this percentage of the stored items (of "
                  "each storage shard) is resident.")

// DCP.
EDDY_CONFIG_PARAM(dcp_idle_timeout, DcpIdleTimeout, uint64_t, 360, 1, kU64Max, Dcp, Seconds,
                  "A producer closes a connection that has sent it nothing, noop replies "
                  "included, for this long.")
EDDY_CONFIG_PARAM(dcp_noop_tx_interval, DcpNoopTxInterval, uint64_t, 1, 1, kU64Max, Dcp, Seconds,
                  "A producer with noops enabled sends one after this long without traffic.")
EDDY_CONFIG_PARAM(dcp_scan_byte_limit, DcpScanByteLimit, uint64_t, 4 * kMiB, 1, kU64Max, Dcp, Bytes,
                  "A backfill scan yields after reading this many bytes.")
EDDY_CONFIG_PARAM(dcp_scan_item_limit, DcpScanItemLimit, uint64_t, 4096, 1, kU64Max, Dcp, Count,
                  "A backfill scan yields after reading this many items.")
EDDY_CONFIG_PARAM(dcp_backfill_byte_limit, DcpBackfillByteLimit, uint64_t, 20 * kMiB, 1, kU64Max,
                  Dcp, Bytes,
                  "Backfilled bytes one producer connection may buffer before its scans pause.")
EDDY_CONFIG_PARAM(dcp_producer_snapshot_marker_yield_limit, DcpProducerSnapshotMarkerYieldLimit,
                  uint64_t, 10, 1, 1000000, Dcp, Count,
                  "Streams one run of a producer's checkpoint processor task serves (queueing "
                  "their snapshots) before it yields the thread.")
EDDY_CONFIG_PARAM(dcp_min_compression_ratio, DcpMinCompressionRatio, double, 0.85, 0.0, 1.0, Dcp,
                  Ratio,
                  "With forced value compression, a value is sent compressed only if compressed "
                  "size / original size is below this.")
EDDY_CONFIG_PARAM(connection_manager_interval, ConnectionManagerInterval, uint64_t, 1, 1, 3600,
                  Static, Seconds,
                  "Period of the task that sends DCP noops and wakes paused connections.")

// Background task threads.
EDDY_CONFIG_PARAM(num_reader_threads, NumReaderThreads, uint64_t, 0, 0, 64, Static, Count,
                  "Threads running READER tasks (disk reads, backfills); 0 = the default, 2.")
EDDY_CONFIG_PARAM(num_writer_threads, NumWriterThreads, uint64_t, 0, 0, 64, Static, Count,
                  "Threads running WRITER tasks (flushers); 0 = the default, 2.")
EDDY_CONFIG_PARAM(num_auxio_threads, NumAuxioThreads, uint64_t, 0, 0, 64, Static, Count,
                  "Threads running AUXIO tasks (access log, item compression); 0 = the default, "
                  "1.")
EDDY_CONFIG_PARAM(num_nonio_threads, NumNonioThreads, uint64_t, 0, 0, 64, Static, Count,
                  "Threads running NONIO tasks (pagers, checkpoint removal, hash-table resizing); "
                  "0 = the default, 2.")
