// eddy — the table of every executor task id: TASK(Name, Group, Priority).
//
// Owns: the one list from which TaskId, taskGroup(), taskPriority() and taskName() are
// generated; task_id_test.cc checks the task table in docs/executor.md against it.
// Group is one of Writer, Reader, AuxIO, NonIO (the TaskGroup enumerators). Priority orders the
// ready tasks of a group: a lower number runs first. Add a row here to add a task id; the order
// of rows is the order of the TaskId enumerators and carries no meaning.
//
// This file deliberately has no include guard: include it with TASK defined, then undefine it.
// Thread contract: none (preprocessor table).

// Every id here is scheduled by some code (TestTask* by unit tests only); an id nothing schedules
// is not kept "for later": it comes with the code that schedules it.

// Writer: persistence of mutations, compaction.
TASK(FlusherTask, Writer, 5)
TASK(CompactVBucketTask, Writer, 2)

// Reader: disk reads on behalf of front-end commands, warmup.
TASK(MultiBGFetcherTask, Reader, 0)
TASK(WarmupTask, Reader, 0)
TASK(VKeyStatBGFetchTask, Reader, 3)
TASK(StatPrevVBucketTask, Reader, 3)

// AuxIO: background disk work no key command waits for (backfills; creating and deleting a
// bucket, which only its CREATE_BUCKET / DELETE_BUCKET waits for; saving a collections manifest,
// which only its SET_COLLECTIONS_MANIFEST waits for).
TASK(BackfillManagerTask, AuxIO, 4)
TASK(BucketCreateTask, AuxIO, 2)
TASK(BucketDeleteTask, AuxIO, 2)
TASK(CollectionsManifestTask, AuxIO, 2)

// NonIO: in-memory housekeeping and off-front-end stats.
TASK(ItemPager, NonIO, 1)
TASK(ExpiredItemPager, NonIO, 1)
TASK(PendingOpsTimeoutTask, NonIO, 2)
TASK(SaslAuthTask, NonIO, 2)
TASK(AccessRefreshTask, NonIO, 2)
TASK(ActiveStreamCheckpointProcessorTask, NonIO, 3)
TASK(CheckpointRemoverTask, NonIO, 6)
TASK(EphTombstoneHTCleaner, NonIO, 6)
TASK(VBucketMemoryDeletionTask, NonIO, 6)
TASK(CollectionsPurgeTask, NonIO, 6)
TASK(StatCheckpointTask, NonIO, 7)
TASK(StatDCPTask, NonIO, 7)
TASK(StatVBucketDetailsTask, NonIO, 7)
TASK(StatHashTask, NonIO, 7)
TASK(StatKVStoreTask, NonIO, 7)
TASK(StatCollectionsTask, NonIO, 7)
TASK(ConnManager, NonIO, 8)
TASK(HashtableResizerTask, NonIO, 211)

// Test ids: used only by unit tests, one per group plus two NonIO priorities for ordering tests.
TASK(TestTaskWriter, Writer, 5)
TASK(TestTaskReader, Reader, 5)
TASK(TestTaskAuxIO, AuxIO, 5)
TASK(TestTaskNonIO, NonIO, 5)
TASK(TestTaskNonIOUrgent, NonIO, 0)
TASK(TestTaskNonIOLazy, NonIO, 9)
