// eddy — THE table of STAT groups (an X-macro list; no include guard).
//
// Owns: every STAT group, once. StatGroupId, the lookup in stat_groups.h, the daemon's dispatch
// (src/daemon/stat_context.cc), the engine's dispatch (src/engine/bucket_stats.cc) and
// the generated table of docs/stats.md all come from these rows; nothing else lists group names.
//
// Row format:
//   EDDY_STAT_GROUP(Id, name, args, Privilege, RunsOn, task, Owner, description)
//     Id          UpperCamel enumerator of StatGroupId
//     name        the first word of the STAT key ("" is the default group)
//     args        what may follow the name after one space: "" (nothing), "[vb]" (an optional
//                 vbucket number), "<key> <vb>", "<separator>" (any text, required), "[id]",
//                 "[name]" (an optional name: one word)
//     Privilege   what the connection must hold to read the group: SimpleStats (a bucket
//                 privilege: the bucket's own summaries, its collections' and scopes' among
//                 them, as in kv_engine) or Stats (global: every other group that runs a
//                 background task, walks every connection or vbucket, or shows the daemon's
//                 internals); checked by the front end before the group is collected
//     RunsOn      where the collection runs: FrontEnd (inline on the connection's thread),
//                 NonIO (a background task: the command would-blocks until it is done),
//                 Reader (a background task that reads the disk) or EachFrontEnd (every
//                 front-end thread describes its own connections; the command would-blocks)
//     task        the executor task id (executor/task_ids.def.h) whose task collects the group
//                 when it runs on NonIO or Reader, its task group matching RunsOn; "" for the
//                 groups collected on front-end threads
//     Owner       who answers: Daemon (the front end itself, possibly asking the engine too) or
//                 Engine (EngineIface::getStats)
//     description one line, starting with a capital and ending with a full stop
//
// Adding a row: add it here, implement it in its owner, describe its keys in docs/stats.md and
// paste the regenerated table there (stat_groups_test.cc prints it when it is stale).
//
// Thread contract: none (preprocessor text).

EDDY_STAT_GROUP(Default, "", "", SimpleStats, FrontEnd, "", Daemon,
                "The daemon's counters followed by the bucket's summary: items, operations, "
                "memory, checkpoints, persistence and DCP totals.")
EDDY_STAT_GROUP(Reset, "reset", "", Stats, FrontEnd, "", Daemon,
                "Zeroes the resettable counters of the bucket and the daemon; answers no keys.")
EDDY_STAT_GROUP(Memory, "memory", "", SimpleStats, FrontEnd, "", Engine,
                "Memory use against the quota: mem_used, the watermarks and where the bytes go.")
EDDY_STAT_GROUP(Vbucket, "vbucket", "", SimpleStats, FrontEnd, "", Engine,
                "The state of every vbucket.")
EDDY_STAT_GROUP(PrevVbucket, "prev-vbucket", "", Stats, Reader, "StatPrevVBucketTask", Engine,
                "The state of every vbucket as last persisted (the current state without a "
                "store).")
EDDY_STAT_GROUP(VbucketDetails, "vbucket-details", "[vb]", Stats, NonIO, "StatVBucketDetailsTask",
                Engine,
                "Per-vbucket seqnos, item counts, hash table and checkpoint memory; one "
                "vbucket is answered on the front end.")
EDDY_STAT_GROUP(VbucketSeqno, "vbucket-seqno", "[vb]", SimpleStats, FrontEnd, "", Engine,
                "Per-vbucket high, persisted and purge seqnos and the current branch uuid.")
EDDY_STAT_GROUP(Hash, "hash", "", Stats, NonIO, "StatHashTask", Engine,
                "Per-vbucket hash table size, locks, item counts and memory.")
EDDY_STAT_GROUP(Checkpoint, "checkpoint", "[vb]", Stats, NonIO, "StatCheckpointTask", Engine,
                "Per-vbucket checkpoints and cursors; one vbucket is answered on the front end.")
EDDY_STAT_GROUP(Dcp, "dcp", "", Stats, NonIO, "StatDCPTask", Engine,
                "Every DCP connection's and stream's state and counters.")
EDDY_STAT_GROUP(DcpAgg, "dcpagg", "<separator>", Stats, NonIO, "StatDCPTask", Engine,
                "DCP connections summed per name prefix (the name up to the separator).")
EDDY_STAT_GROUP(Failovers, "failovers", "[vb]", SimpleStats, FrontEnd, "", Engine,
                "Per-vbucket failover log: branch uuids and the seqnos they start at.")
EDDY_STAT_GROUP(Timings, "timings", "", Stats, FrontEnd, "", Daemon,
                "Command latency histograms per opcode, merged over the front-end threads.")
EDDY_STAT_GROUP(Config, "config", "", SimpleStats, FrontEnd, "", Engine,
                "Every bucket configuration parameter's current value.")
EDDY_STAT_GROUP(Tasks, "tasks", "", Stats, FrontEnd, "", Engine,
                "The executor's tasks: how many are scheduled and, per task id that ran, its "
                "runs and times.")
EDDY_STAT_GROUP(Runtimes, "runtimes", "", Stats, FrontEnd, "", Engine,
                "Per task id, a histogram of how long its runs took.")
EDDY_STAT_GROUP(Scheduler, "scheduler", "", Stats, FrontEnd, "", Engine,
                "Per task id, a histogram of how long its runs waited for a thread once due.")
EDDY_STAT_GROUP(KVStore, "kvstore", "", Stats, NonIO, "StatKVStoreTask", Engine,
                "The store's counters and size estimates (persistent buckets with a store).")
EDDY_STAT_GROUP(Warmup, "warmup", "", SimpleStats, FrontEnd, "", Engine,
                "Warm-up's progress: state, vbuckets, keys and values loaded, duration.")
EDDY_STAT_GROUP(Uuid, "uuid", "", SimpleStats, FrontEnd, "", Engine,
                "The bucket's uuid, made when the bucket is first created.")
EDDY_STAT_GROUP(Key, "key", "<key> <vb>", SimpleStats, FrontEnd, "", Engine,
                "One document's metadata as held in memory.")
EDDY_STAT_GROUP(VKey, "vkey", "<key> <vb>", Stats, Reader, "VKeyStatBGFetchTask", Engine,
                "One document's metadata, checked against its version on disk.")
EDDY_STAT_GROUP(Connections, "connections", "[id]", Stats, EachFrontEnd, "", Daemon,
                "Every client connection's peer, agent, thread, state and queues.")
EDDY_STAT_GROUP(Workload, "workload", "", SimpleStats, FrontEnd, "", Engine,
                "Executor threads per task group and the bucket's storage shards.")
EDDY_STAT_GROUP(Collections, "collections", "[name]", SimpleStats, NonIO, "StatCollectionsTask",
                Engine,
                "Per collection (or the one named scope.collection): name, scope, items in "
                "active vbuckets, get/store/delete operations.")
EDDY_STAT_GROUP(Scopes, "scopes", "[name]", SimpleStats, NonIO, "StatCollectionsTask", Engine,
                "Per scope (or the one named): name, collections, and their items and "
                "operations summed.")
