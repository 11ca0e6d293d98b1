-- Step anatomy (see README "Step anatomy"): steps of known composition, as a capture nests them.
-- Process 100: T1 = (100<<24)|100 (ranges in domain 1, 'latency_anatomy'), T2 = (100<<24)|101 (no domain).
-- T1, point s16_b1: warmup_0 > prefill (no ops; left out of the summary); rep_0 > prefill [11000, 21000] with one
--   gemm [11300, 20300] (busy 9,000 of 10,000: GPU-bound; memory-bound against a model config's floor);
--   rep_0 > decode > step_0 [30000, 50000] and step_1 [50000, 70000], each 10 launches of 1,000 ns every 1,800 ns
--   starting 900 ns later, 200-ns rmsnorm kernels (busy 2,000, idle 14,400, host-only 3,600: launch-bound);
--   a cudaStreamSynchronize [48000, 49500] in step_0.
-- T1, point s32_b1: rep_0 > decode > step_0 [101000, 121000] whose gemm [116000, 131000] outlives it by 10,000
--   (asynchronous); step_1 [130000, 150000] holds step_1_inner [140000, 145000] (nested: only the inner is a
--   step; the rmsnorm launched in step_1 before it belongs to no step).
-- T2, point s8_b2: rep_0 > decode > step_0 [5000, 9000]: an rmsnorm [6000, 7000] and a memcpy [6500, 7500]
--   overlapping (busy 1,500: normalization 1,000, memory 500).
CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO StringIds VALUES
  (1, 'gemm_kernel'), (2, 'rmsnorm_kernel'), (3, 'cudaLaunchKernel_v7000'), (4, 'cudaMemcpyAsync_v3020'),
  (5, 'cudaStreamSynchronize_v3020');
CREATE TABLE TARGET_INFO_GPU (id INTEGER, cuDevice INTEGER, name TEXT, memoryBandwidth INTEGER, smCount INTEGER,
  totalMemory INTEGER, computeMajor INTEGER, computeMinor INTEGER);
INSERT INTO TARGET_INFO_GPU VALUES (0, 0, 'Test GPU', 1000000000000, 100, 80000000000, 9, 0);
CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER,
  streamId INTEGER, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER, shortName INTEGER,
  gridX INTEGER, gridY INTEGER, gridZ INTEGER, blockX INTEGER, blockY INTEGER, blockZ INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES
  (6000, 7000, 0, 1, 7, 30, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (11300, 20300, 0, 1, 7, 1, 100 << 24, 1, 1, 1, 1, 1, 128, 1, 1),
  (31000, 31200, 0, 1, 7, 2, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (32800, 33000, 0, 1, 7, 3, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (34600, 34800, 0, 1, 7, 4, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (36400, 36600, 0, 1, 7, 5, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (38200, 38400, 0, 1, 7, 6, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (40000, 40200, 0, 1, 7, 7, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (41800, 42000, 0, 1, 7, 8, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (43600, 43800, 0, 1, 7, 9, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (45400, 45600, 0, 1, 7, 10, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (47200, 47400, 0, 1, 7, 11, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (51000, 51200, 0, 1, 7, 15, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (52800, 53000, 0, 1, 7, 16, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (54600, 54800, 0, 1, 7, 17, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (56400, 56600, 0, 1, 7, 18, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (58200, 58400, 0, 1, 7, 19, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (60000, 60200, 0, 1, 7, 20, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (61800, 62000, 0, 1, 7, 21, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (63600, 63800, 0, 1, 7, 22, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (65400, 65600, 0, 1, 7, 23, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (67200, 67400, 0, 1, 7, 24, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (116000, 131000, 0, 1, 7, 12, 100 << 24, 1, 1, 1, 1, 1, 128, 1, 1),
  (131500, 132000, 0, 1, 7, 13, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),
  (140500, 141000, 0, 1, 7, 14, 100 << 24, 1, 1, 1, 1, 1, 128, 1, 1);
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER,
  streamId INTEGER, correlationId INTEGER, globalPid INTEGER, bytes INTEGER, copyKind INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES
  (6500, 7500, 0, 1, 8, 31, 100 << 24, 1000, 1);
CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER NOT NULL,
  globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL, returnValue INTEGER NOT NULL, callchainId INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES
  (5100, 5200, 0, (100 << 24) | 101, 30, 3, 0, NULL),
  (5300, 5400, 0, (100 << 24) | 101, 31, 4, 0, NULL),
  (11100, 11200, 0, (100 << 24) | 100, 1, 3, 0, NULL),
  (30100, 31100, 0, (100 << 24) | 100, 2, 3, 0, NULL),
  (31900, 32900, 0, (100 << 24) | 100, 3, 3, 0, NULL),
  (33700, 34700, 0, (100 << 24) | 100, 4, 3, 0, NULL),
  (35500, 36500, 0, (100 << 24) | 100, 5, 3, 0, NULL),
  (37300, 38300, 0, (100 << 24) | 100, 6, 3, 0, NULL),
  (39100, 40100, 0, (100 << 24) | 100, 7, 3, 0, NULL),
  (40900, 41900, 0, (100 << 24) | 100, 8, 3, 0, NULL),
  (42700, 43700, 0, (100 << 24) | 100, 9, 3, 0, NULL),
  (44500, 45500, 0, (100 << 24) | 100, 10, 3, 0, NULL),
  (46300, 47300, 0, (100 << 24) | 100, 11, 3, 0, NULL),
  (48000, 49500, 0, (100 << 24) | 100, 100, 5, 0, NULL),
  (50100, 51100, 0, (100 << 24) | 100, 15, 3, 0, NULL),
  (51900, 52900, 0, (100 << 24) | 100, 16, 3, 0, NULL),
  (53700, 54700, 0, (100 << 24) | 100, 17, 3, 0, NULL),
  (55500, 56500, 0, (100 << 24) | 100, 18, 3, 0, NULL),
  (57300, 58300, 0, (100 << 24) | 100, 19, 3, 0, NULL),
  (59100, 60100, 0, (100 << 24) | 100, 20, 3, 0, NULL),
  (60900, 61900, 0, (100 << 24) | 100, 21, 3, 0, NULL),
  (62700, 63700, 0, (100 << 24) | 100, 22, 3, 0, NULL),
  (64500, 65500, 0, (100 << 24) | 100, 23, 3, 0, NULL),
  (66300, 67300, 0, (100 << 24) | 100, 24, 3, 0, NULL),
  (101100, 101200, 0, (100 << 24) | 100, 12, 3, 0, NULL),
  (130100, 130200, 0, (100 << 24) | 100, 13, 3, 0, NULL),
  (140100, 140300, 0, (100 << 24) | 100, 14, 3, 0, NULL);
CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER, category INTEGER,
  color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, domainId INTEGER);
INSERT INTO NVTX_EVENTS VALUES
  (-10, NULL, 75, NULL, NULL, NULL, 'latency_anatomy', (100 << 24) | 100, NULL, NULL, 1),
  (0, 100000, 59, NULL, NULL, NULL, 's16_b1', (100 << 24) | 100, NULL, NULL, 1),
  (0, 20000, 59, NULL, NULL, NULL, 's8_b2', (100 << 24) | 101, NULL, NULL, 0),
  (0, 20000, 59, NULL, NULL, NULL, 'rep_0', (100 << 24) | 101, NULL, NULL, 0),
  (1000, 9000, 59, NULL, NULL, NULL, 'warmup_0', (100 << 24) | 100, NULL, NULL, 1),
  (1000, 19000, 59, NULL, NULL, NULL, 'decode', (100 << 24) | 101, NULL, NULL, 0),
  (1100, 8000, 59, NULL, NULL, NULL, 'prefill', (100 << 24) | 100, NULL, NULL, 1),
  (5000, 9000, 59, NULL, NULL, NULL, 'step_0', (100 << 24) | 101, NULL, NULL, 0),
  (10000, 99000, 59, NULL, NULL, NULL, 'rep_0', (100 << 24) | 100, NULL, NULL, 1),
  (11000, 21000, 59, NULL, NULL, NULL, 'prefill', (100 << 24) | 100, NULL, NULL, 1),
  (30000, 70000, 59, NULL, NULL, NULL, 'decode', (100 << 24) | 100, NULL, NULL, 1),
  (30000, 50000, 59, NULL, NULL, NULL, 'step_0', (100 << 24) | 100, NULL, NULL, 1),
  (50000, 70000, 59, NULL, NULL, NULL, 'step_1', (100 << 24) | 100, NULL, NULL, 1),
  (100000, 200000, 59, NULL, NULL, NULL, 's32_b1', (100 << 24) | 100, NULL, NULL, 1),
  (100000, 199000, 59, NULL, NULL, NULL, 'rep_0', (100 << 24) | 100, NULL, NULL, 1),
  (101000, 190000, 59, NULL, NULL, NULL, 'decode', (100 << 24) | 100, NULL, NULL, 1),
  (101000, 121000, 59, NULL, NULL, NULL, 'step_0', (100 << 24) | 100, NULL, NULL, 1),
  (130000, 150000, 59, NULL, NULL, NULL, 'step_1', (100 << 24) | 100, NULL, NULL, 1),
  (140000, 145000, 59, NULL, NULL, NULL, 'step_1_inner', (100 << 24) | 100, NULL, NULL, 1);
