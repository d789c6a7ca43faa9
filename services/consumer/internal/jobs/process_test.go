package jobs

import "context"

// Process handles one delivery as a batch of one: a nil error acknowledges
// the message; an error hands it back to the transport.
func (p *Processor) Process(ctx context.Context, raw []byte) error {
	return p.ProcessBatch(ctx, [][]byte{raw})[0]
}
