; JSX gate components: <IfFeatureEnabled feature="x">…</IfFeatureEnabled>, <Feature flag="x">…</Feature>.
; The opening element is the condition (it holds the flag read), the whole element is the gated span.

(jsx_element
  open_tag: (jsx_opening_element) @gate.condition
  (#set! kind "component")) @gate @gate.body
