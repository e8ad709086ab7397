// The sample job as a Node.js Lambda handler, as it runs on AWS Lambda's nodejs runtime: for
// each record it sleeps `seconds` (from the job's parameters, in the record's NewImage) and
// answers "I slept for N seconds"; above 300 seconds it throws with the reference deployment's
// message, which becomes the job's Failure (errorType, errorMessage).
const MAX_SECONDS = 300;

class TimeoutExceeded extends Error {
  constructor(message) {
    super(message);
    this.name = 'TimeoutExceeded';
  }
}

const secondsOf = (record) => Number(record.dynamodb.NewImage.seconds.N);

export const handler = async (event, context) => {
  let answer = null;
  for (const record of event.Records) {
    const seconds = secondsOf(record);
    if (seconds > MAX_SECONDS) throw new TimeoutExceeded(`${seconds} exceeds the timeout of ${MAX_SECONDS} seconds`);
    console.log(`${context.awsRequestId}: sleeping ${seconds} s (${context.getRemainingTimeInMillis()} ms left)`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    answer = `I slept for ${seconds} seconds`;
  }
  return answer;
};
