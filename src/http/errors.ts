/** An error that becomes a client-visible `{error}` response with its own status. */
export class AppError extends Error {
	readonly status: number;
	readonly headers: Readonly<Record<string, string>>;
	readonly expose = true;

	constructor(status: number, message: string, headers: Record<string, string> = {}) {
		super(message);
		this.name = 'AppError';
		this.status = status;
		this.headers = headers;
	}
}

export const badRequest = (message: string) => new AppError(400, message);
