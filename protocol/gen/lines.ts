/** A tiny indenting line buffer for code emission (2-space indentation, "\n" line ends). */
export class Lines {
  private readonly out: string[] = [];
  private depth = 0;

  line(text: string): void {
    this.out.push(text === '' ? '' : '  '.repeat(this.depth) + text);
  }

  blank(): void {
    if (this.out.length > 0 && this.out[this.out.length - 1] !== '') this.out.push('');
  }

  /** Emits text and indents the following lines. */
  open(text: string): void {
    this.line(text);
    this.depth++;
  }

  /** Dedents and emits text. */
  close(text: string): void {
    this.depth--;
    this.line(text);
  }

  /** Dedents, emits text, indents again (e.g. "} else {"). */
  mid(text: string): void {
    this.depth--;
    this.line(text);
    this.depth++;
  }

  toString(): string {
    return this.out.join('\n') + '\n';
  }
}
