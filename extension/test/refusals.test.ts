/** Unit tests for reading a refused run (refusals.ts). */
import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc'; // what vscode-languageclient rejects with
import { namesErrors, refusalMessage } from '../src/refusals';

const ERRORS = "plan.workstream.json has 2 errors and cannot run; the first, at 2:36: Unknown property 'max_worker' in 'execution'. Did you mean 'max_workers'? [WS002]";

it('reads the message of a RequestFailed response error and nothing else', () => {
  assert.equal(refusalMessage(new ResponseError(-32803, ERRORS)), ERRORS);
  assert.equal(refusalMessage({ code: -32803, message: 'Workstream runs are disabled: this workspace is not trusted.' }),
    'Workstream runs are disabled: this workspace is not trusted.');
  for (const other of [new ResponseError(-32602, 'workstream.runStep: bad arguments'), new Error('connection closed'), undefined, 'x', { code: -32803 }]) {
    assert.equal(refusalMessage(other), undefined, String(other));
  }
});

it('offers the Problems panel only for a refusal over errors in the file', () => {
  assert.equal(namesErrors(ERRORS), true);
  assert.equal(namesErrors('a.workstream.json (as saved) has 1 error and cannot run; the first, at 1:1: x [WS001]'), true);
  assert.equal(namesErrors('Workstream runs are disabled: no workspace folder is open.'), false);
  assert.equal(namesErrors("another run of 'ws' is in progress in this repository"), false);
});
