/** A capture file that cannot be read: the message names the file and where it went wrong. */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}
