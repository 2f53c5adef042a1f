/**
 * A batch refused because of some of its records (Kafka's RecordValidationException): the whole
 * batch is dropped, `recordErrors` names each bad record by its index in the batch (0-based), and
 * the message summarizes them. The Produce response (v8+) carries both.
 */
import { ErrorCode, KafkaError } from '../protocol/errors';

export interface RecordError {
  /** Index of the record in its batch, from 0. */
  batchIndex: number;
  batchIndexErrorMessage: string;
}

/** What one bad record is refused with: INVALID_RECORD (no key) or INVALID_TIMESTAMP. */
export interface RecordProblem extends RecordError {
  code: ErrorCode.INVALID_RECORD | ErrorCode.INVALID_TIMESTAMP;
}

export class RecordValidationError extends KafkaError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly recordErrors: readonly RecordError[],
  ) {
    super(code, message);
  }
}

/**
 * The error for a batch with at least one bad record, as Kafka's LogValidator.processRecordErrors
 * words it: INVALID_TIMESTAMP when any record has a bad timestamp, otherwise INVALID_RECORD
 * quoting at most the first three record errors.
 */
export function recordValidationError(problems: readonly RecordProblem[]): RecordValidationError {
  const errors = problems.map((p): RecordError => ({ batchIndex: p.batchIndex, batchIndexErrorMessage: p.batchIndexErrorMessage }));
  if (problems.some((p) => p.code === ErrorCode.INVALID_TIMESTAMP)) {
    return new RecordValidationError(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', errors);
  }
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  return new RecordValidationError(
    ErrorCode.INVALID_RECORD,
    `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    errors,
  );
}
