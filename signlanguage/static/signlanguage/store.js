// The conversation as the page knows it: stored messages by seq, whatever order they arrive in,
// each once; the last contiguous seq (what `sync` resumes from); read marks both ways.
// No DOM here (tests/js/store.test.mjs).

// The two sides of a session: a proxy writes on the customer's side.
export function sideOf(role) {
  return role === "operator" ? "operator" : "customer";
}

export class MessageStore {
  constructor(role) {
    this.role = role; // customer | proxy | operator: whose messages are "mine"
    this.messages = new Map(); // seq -> frame
    this.clientIds = new Map(); // client_id -> seq
    this.lastSeq = 0; // highest seq with every seq below it received
    this.readUpTo = 0; // the other side has read my messages up to this seq
    this.sentRead = 0; // the read mark this page last sent
  }

  // Keeps a `chat.message` frame. Returns null for a duplicate (same seq or same client_id) or a
  // frame without an integer seq; else {seq, mine, before}: `before` is the next larger seq
  // already stored (insert the new message above it), or null (it goes last).
  add(frame) {
    const seq = Number(frame.seq);
    if (!Number.isInteger(seq) || this.messages.has(seq)) return null;
    if (frame.client_id && this.clientIds.has(frame.client_id)) return null;
    this.messages.set(seq, frame);
    if (frame.client_id) this.clientIds.set(frame.client_id, seq);
    while (this.messages.has(this.lastSeq + 1)) this.lastSeq += 1;
    let before = null;
    for (const other of this.messages.keys()) {
      if (other > seq && (before === null || other < before)) before = other;
    }
    return { seq, mine: this.isMine(frame), before };
  }

  isMine(frame) {
    return Boolean(frame.sender && frame.sender.role === this.role);
  }

  has(seq) {
    return this.messages.has(Number(seq));
  }

  // Stored messages in seq order.
  ordered() {
    return Array.from(this.messages.keys())
      .sort((a, b) => a - b)
      .map((seq) => this.messages.get(seq));
  }

  isRead(seq) {
    return seq <= this.readUpTo;
  }

  // A `chat.read` from the other side: relayed live, or the stored marks the server sends when
  // the socket connects — before the history, so messages stored later ask isRead() (a reload
  // keeps 既読). Returns the seqs of my messages that became read (in order), or null when the
  // mark is stale, from my own side (a proxy reading marks nothing of the customer's as read),
  // or not a seq.
  markRead(frame) {
    if (sideOf(frame.role) === sideOf(this.role)) return null;
    const seq = Number(frame.seq);
    if (!Number.isInteger(seq) || seq <= this.readUpTo) return null;
    this.readUpTo = seq;
    return this.ordered()
      .filter((m) => Number(m.seq) <= seq && this.isMine(m))
      .map((m) => Number(m.seq));
  }

  // The read mark to send now (everything up to lastSeq was seen), or null when already sent.
  takeReadMark() {
    if (this.lastSeq <= this.sentRead) return null;
    this.sentRead = this.lastSeq;
    return this.lastSeq;
  }
}
