-- Schema version 10: a gate and the flag read deciding it come from the same file, so `gate_flags`
-- joins them on `origin` too. A release whose source maps embed the same source (Next.js: one
-- `src/…` file in 36 maps) holds that path once per map; joined on the path alone, every gate met
-- every copy of its reads (2.5 M rows and 1.8 GB in a rule for next 16.5.0's 13,000 gates).
-- `gate_reads` has no origin: its copies of one file's rows are the same, and DISTINCT keeps one.

CREATE OR REPLACE VIEW gate_flags AS
SELECT DISTINCT g.scan_id, g.path, g.gate_no, g.kind, g.line, g.end_line, g.body_line, g.body_end_line, g.gated_loc,
       g.nesting, g.combinator, g.origin,
       r.flag_key, r.provider, r.confidence, r.method,
       gr.polarity, gr.via, gr.read_line, gr.read_col
FROM gates g
JOIN gate_reads gr ON gr.scan_id = g.scan_id AND gr.path = g.path AND gr.gate_no = g.gate_no
JOIN flag_reads r ON r.scan_id = gr.scan_id AND r.path = gr.path AND r.line = gr.read_line AND r.col = gr.read_col
                 AND r.key_expr = gr.key_expr AND r.origin = g.origin
WHERE r.resolved;
