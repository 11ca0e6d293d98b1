-- A tiny nsys-like export for edge cases, with the columns the analyzer reads (and no others).
-- Process 100 has threads T1 = (100<<24)|100 and T2 = (100<<24)|101; process 200 has thread (200<<24)|200.
-- Expected figures are derived by hand in tests/synthetic.rs, next to each assertion.
CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO StringIds VALUES
  (1, 'void gemm_kernel<float>(Params)'), (2, 'rmsnorm_bf16'), (3, 'cudaLaunchKernel_v7000'),
  (4, 'cuLaunchKernelEx'), (5, 'cudaMemcpyAsync_v3020'), (7, 'usilu_bf16'), (8, 'decode'),
  (9, 'gemm_kernel'), (10, 'mystery_op');
CREATE TABLE META_DATA_EXPORT (name TEXT, value TEXT);
INSERT INTO META_DATA_EXPORT VALUES ('EXPORT_PRODUCT_VERSION', '2099.1.0'), ('EXPORT_SCHEMA_VERSION', '9.9.9');
CREATE TABLE TARGET_INFO_GPU (id INTEGER, cuDevice INTEGER, name TEXT, memoryBandwidth INTEGER, smCount INTEGER,
  totalMemory INTEGER, computeMajor INTEGER, computeMinor INTEGER);
INSERT INTO TARGET_INFO_GPU VALUES (0, 0, 'Test GPU', 1000000000000, 100, 80000000000, 9, 0),
                                   (1, 1, 'Test GPU', 1000000000000, 100, 80000000000, 9, 0);
CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER,
  streamId INTEGER, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER, shortName INTEGER,
  gridX INTEGER, gridY INTEGER, gridZ INTEGER, blockX INTEGER, blockY INTEGER, blockZ INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES
  (300, 800, 0, 1, 7, 1, 100 << 24, 1, 9, 1, 1, 1, 128, 1, 1),     -- K1 gemm, launched by c1 (in layer ⊂ prefill)
  (800, 900, 0, 1, 7, 2, 100 << 24, 2, 2, 1, 1, 1, 128, 1, 1),     -- K2 rmsnorm, c2 (in prefill only)
  (1300, 1500, 0, 1, 7, 3, 100 << 24, 1, 9, 2, 1, 1, 128, 1, 1),   -- K3 gemm, c3 (in decode), other grid
  (2200, 2200, 0, 1, 7, 5, 100 << 24, 7, 7, 1, 1, 1, 32, 1, 1),    -- K4 silu, zero length, c5 (only in the cross-thread range)
  (2700, 2750, 0, 1, 7, 6, 100 << 24, 7, 7, 1, 1, 1, 32, 1, 1),    -- K5 silu, c6 (in the never-closed range)
  (3000, 3100, 0, 1, 7, 99, 100 << 24, 10, 10, 1, 1, 1, 32, 1, 1), -- K6 no API call with correlation 99
  (3200, 3300, 1, 2, 9, 1, 200 << 24, 10, 10, 1, 1, 1, 32, 1, 1);  -- K7 process 200, correlation 1 again (c7)
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER, contextId INTEGER,
  streamId INTEGER, correlationId INTEGER, globalPid INTEGER, bytes INTEGER, copyKind INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES
  (1400, 1700, 0, 1, 8, 4, 100 << 24, 600, 1);                     -- M1 HtoD on another stream, c4 (in decode)
CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER NOT NULL,
  globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL, returnValue INTEGER NOT NULL, callchainId INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES
  (250, 260, 0, (100 << 24) | 100, 1, 3, 0, NULL),   -- c1
  (245, 265, 67, (100 << 24) | 100, 1, 3, 0, NULL),  -- backtrace duplicate of c1: ignored
  (650, 660, 1, (100 << 24) | 100, 2, 4, 0, NULL),   -- c2 (driver API)
  (1200, 1210, 0, (100 << 24) | 100, 3, 3, 0, NULL), -- c3
  (1250, 1260, 0, (100 << 24) | 100, 4, 5, 0, NULL), -- c4 memcpy
  (2100, 2110, 0, (100 << 24) | 100, 5, 3, 0, NULL), -- c5
  (2600, 2610, 0, (100 << 24) | 100, 6, 3, 0, NULL), -- c6
  (120, 130, 0, (200 << 24) | 200, 1, 3, 0, NULL);   -- c7, other process, same correlation id as c1
CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER, category INTEGER,
  color INTEGER, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, domainId INTEGER);
INSERT INTO NVTX_EVENTS VALUES
  (-50, NULL, 75, NULL, NULL, NULL, 'latency_anatomy', (100 << 24) | 100, NULL, NULL, 1), -- domain 1 of process 100
  (100, 1000, 59, NULL, NULL, NULL, 'prefill', (100 << 24) | 100, NULL, NULL, 1),
  (200, 600, 59, NULL, NULL, NULL, 'layer', (100 << 24) | 100, NULL, NULL, 1),
  (1100, 2000, 59, NULL, NULL, NULL, NULL, (100 << 24) | 100, NULL, 8, 1),            -- 'decode' through textId
  (150, 5000, 60, 1, NULL, NULL, 'async', (100 << 24) | 100, (100 << 24) | 101, NULL, 0), -- ends on T2
  (2500, NULL, 59, NULL, NULL, NULL, 'open', (100 << 24) | 100, NULL, NULL, 0),        -- never closed
  (100, 200, 59, NULL, NULL, NULL, 'other_proc', (200 << 24) | 200, NULL, NULL, 0),
  (400, 450, 59, NULL, NULL, NULL, 'idle_cpu', (100 << 24) | 101, NULL, NULL, 0);      -- T2, launches nothing
