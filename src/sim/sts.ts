// STS on the simulator, in the awsQuery protocol (a form-encoded POST, an XML answer):
// GetCallerIdentity names the simulator's one account, so a controller learns its account
// here as it would from AWS. AssumeRole is refused: the simulator keeps one account's
// state, and an assumed role's calls would land in it (README "Divergences").
import { requestId } from './ids.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface StsAnswer {
  status: number;
  body: string;
}

/** Whether a request is an STS call: no X-Amz-Target, a form body naming an `Action`. */
export function isStsRequest(target: string | undefined, contentType: string | undefined): boolean {
  return target === undefined && /application\/x-www-form-urlencoded/i.test(contentType ?? '');
}

export function answerSts(body: string, accountId: string): StsAnswer {
  const action = new URLSearchParams(body).get('Action') ?? '';
  const id = requestId();
  if (action === 'GetCallerIdentity') {
    return {
      status: 200,
      body:
        `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult>` +
        `<Arn>arn:aws:iam::${accountId}:user/ecs-gitops-sim</Arn><UserId>AIDASIMULATOR</UserId><Account>${accountId}</Account>` +
        `</GetCallerIdentityResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    };
  }
  const message =
    action === 'AssumeRole'
      ? 'The ecs-gitops simulator keeps the state of one account and does not assume roles; use moto for targets in other accounts.'
      : `The simulator does not implement STS ${action || 'without an Action'}.`;
  return {
    status: 400,
    body: `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${message}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  };
}
