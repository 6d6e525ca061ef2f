-- bench/orders.lua at a set pace, for bench/soak: each connection waits BENCH_DELAY_MS
-- (a random 50–150 % of it, so connections do not march in step) before each request.
dofile(os.getenv("BENCH_DIR") .. "/orders.lua")

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function delay()
    return math.floor(delay_ms * (0.5 + math.random()))
end
